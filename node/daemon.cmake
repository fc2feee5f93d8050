# The donode daemon: the RPC method table and main().
add_library(donode_rpc STATIC ${CMAKE_CURRENT_LIST_DIR}/rpc_methods.cpp)
target_link_libraries(donode_rpc PUBLIC donode_manager donode_ipc donode_wire)

add_executable(donode ${CMAKE_CURRENT_LIST_DIR}/main.cpp)
target_link_libraries(donode PRIVATE donode_rpc donode_swarm_engine donode_store donode_transfer donode_manager donode_ipc spdlog::spdlog)
install(TARGETS donode RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
