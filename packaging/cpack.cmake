# packaging/cpack: Debian packages built by `cpack` in the build directory: donode (daemon, doadmin,
# systemd unit, /etc/donode/donode.conf), libdonode-comapi0 (client library), donode-dev (headers,
# pkg-config, CMake package). The projects' install rules have no components, so the packaged
# files are declared here again, by component; `cmake --install` is unchanged.
set(DONODE_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR})

# donode: the daemon and its admin tool, the unit, the documented config file (a conffile).
install(TARGETS donode doadmin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT daemon EXCLUDE_FROM_ALL)
install(FILES ${DONODE_PACKAGING_DIR}/donode.service DESTINATION lib/systemd/system
        COMPONENT daemon EXCLUDE_FROM_ALL)
install(FILES ${DONODE_PACKAGING_DIR}/donode.conf DESTINATION /etc/donode COMPONENT daemon
        EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/protocol.md
        DESTINATION share/doc/donode COMPONENT daemon EXCLUDE_FROM_ALL)

# libdonode-comapi0 and donode-dev.
install(TARGETS donode-comapi LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        COMPONENT comapi NAMELINK_COMPONENT dev EXCLUDE_FROM_ALL)
file(GLOB DONODE_PUBLIC_HEADERS ${PROJECT_SOURCE_DIR}/comapi/include/donode/*.h)
install(FILES ${DONODE_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/donode COMPONENT dev EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_BINARY_DIR}/comapi/donode-comapi.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev EXCLUDE_FROM_ALL)
install(EXPORT donodeTargets NAMESPACE donode::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/donode COMPONENT dev EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_BINARY_DIR}/comapi/donodeConfig.cmake
        ${PROJECT_BINARY_DIR}/comapi/donodeConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/donode COMPONENT dev EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME donode)
set(CPACK_PACKAGE_VENDOR donode)
set(CPACK_PACKAGE_CONTACT "donode maintainers <root@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "peer-to-peer Delivery Optimization node")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL daemon comapi dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)  # donode, donode-dev → libdonode-comapi0
# The packages' own library, for dpkg-shlibdeps on doadmin.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/comapi)

set(CPACK_DEBIAN_DAEMON_PACKAGE_NAME donode)
set(CPACK_COMPONENT_DAEMON_DESCRIPTION
    "peer-to-peer Delivery Optimization node\n The donode daemon (a systemd service running as the donode user) and doadmin.")
set(CPACK_DEBIAN_DAEMON_PACKAGE_DEPENDS passwd)  # useradd, userdel (postinst, postrm)
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_EXTRA
    ${DONODE_PACKAGING_DIR}/postinst ${DONODE_PACKAGING_DIR}/prerm ${DONODE_PACKAGING_DIR}/postrm
    ${DONODE_PACKAGING_DIR}/conffiles)
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_COMAPI_PACKAGE_NAME libdonode-comapi0)
set(CPACK_DEBIAN_COMAPI_PACKAGE_SECTION libs)
set(CPACK_COMPONENT_COMAPI_DESCRIPTION
    "donode client library (BITS/DO-style COM job API)\n libdonode-comapi.so.0: the job API of the donode node.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME donode-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_PROVIDES libdonode-comapi-dev)
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "donode client library: development files\n Headers, pkg-config file (donode-comapi) and CMake package (find_package(donode)).")
set(CPACK_COMPONENT_DEV_DEPENDS comapi)
set(CPACK_COMPONENT_DAEMON_DEPENDS comapi)
include(CPack)
