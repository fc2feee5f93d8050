# The job model (plain data) and the job manager: state machine, scheduler, settings, clock.
# Pure logic: no sockets, no SQLite, no curl; the ports (node/ports.h) connect it to the rest.
add_library(donode_model STATIC ${CMAKE_CURRENT_LIST_DIR}/job.cpp
  ${CMAKE_CURRENT_LIST_DIR}/usage_counters.cpp)
target_include_directories(donode_model PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(donode_model PUBLIC donode_wire)

add_library(donode_manager STATIC
  ${CMAKE_CURRENT_LIST_DIR}/cache_policy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/job_arguments.cpp
  ${CMAKE_CURRENT_LIST_DIR}/job_manager.cpp
  ${CMAKE_CURRENT_LIST_DIR}/job_manager_transfer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/system_clock.cpp)
# origin/fetcher.h only for origin::Settings (plain values); the fetcher itself is not linked here.
target_include_directories(donode_manager PUBLIC ${PROJECT_SOURCE_DIR}/origin/include)
target_link_libraries(donode_manager PUBLIC donode_model spdlog::spdlog)
