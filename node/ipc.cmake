# IPC server: the node's Unix socket, frames, JSON-RPC, peer credentials, descriptor passing and
# event subscriptions (docs/protocol.md). Included by node/CMakeLists.txt.
add_library(donode_ipc STATIC
  ipc_server.cpp
  ipc_connection.cpp
  ipc_rpc.cpp
  ipc_types.cpp)
target_include_directories(donode_ipc PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
target_compile_definitions(donode_ipc PRIVATE DONODE_VERSION="${PROJECT_VERSION}")
target_link_libraries(donode_ipc PUBLIC
  donode_wire Boost::headers nlohmann_json::nlohmann_json spdlog::spdlog Threads::Threads)
