# node/swarm.cmake: the swarm engine (routing of job files, hybrid origin + peers download, content
# cache, statistics). Uses swarm/ (libtorrent stays behind it) and origin/.
add_library(donode_swarm_engine STATIC
  ${CMAKE_CURRENT_LIST_DIR}/piece_picker.cpp
  ${CMAKE_CURRENT_LIST_DIR}/swarm_engine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/swarm_tick.cpp)
target_include_directories(donode_swarm_engine PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
target_link_libraries(donode_swarm_engine
  PUBLIC donode_transfer donode_store donode_manager donode_swarm donode_origin
         nlohmann_json::nlohmann_json Boost::headers
  PRIVATE spdlog::spdlog)
