# comapi install rules: the library, its headers, a pkg-config file and a CMake package
# (find_package(donode) -> donode::comapi).
include(CMakePackageConfigHelpers)

set(DONODE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/donode)

install(TARGETS donode-comapi EXPORT donodeTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES
  ${CMAKE_CURRENT_SOURCE_DIR}/include/donode/bits.h
  ${CMAKE_CURRENT_SOURCE_DIR}/include/donode/bitsmsg.h
  ${CMAKE_CURRENT_SOURCE_DIR}/include/donode/deliveryoptimization.h
  ${CMAKE_CURRENT_SOURCE_DIR}/include/donode/wintypes.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/donode)

# Relocatable: the prefix is found from the .pc file's own place (cmake --install --prefix DIR).
file(RELATIVE_PATH DONODE_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" DONODE_PC_TO_PREFIX "${DONODE_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/donode-comapi.pc.in
  ${CMAKE_CURRENT_BINARY_DIR}/donode-comapi.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/donode-comapi.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(EXPORT donodeTargets NAMESPACE donode:: DESTINATION ${DONODE_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/donodeConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/donodeConfig.cmake INSTALL_DESTINATION ${DONODE_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/donodeConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/donodeConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/donodeConfigVersion.cmake DESTINATION ${DONODE_CMAKE_DIR})
