# node/monitor.cmake: the activity monitor (an HTTP page, /api/stats and /metrics on loopback,
# Boost.Beast on the daemon's io_context). Included after daemon.cmake: it links itself into donode.
add_library(donode_monitor STATIC
  ${CMAKE_CURRENT_LIST_DIR}/monitor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/monitor_page.cpp
  ${CMAKE_CURRENT_LIST_DIR}/monitor_view.cpp)
target_include_directories(donode_monitor PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
target_link_libraries(donode_monitor
  PUBLIC donode_manager donode_model nlohmann_json::nlohmann_json Boost::headers
         Threads::Threads
  PRIVATE donode_wire spdlog::spdlog)
if(TARGET donode)
  target_link_libraries(donode PRIVATE donode_monitor)
endif()
