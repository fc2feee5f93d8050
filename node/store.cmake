# node/store.cmake: the job store (SQLite; the only part of donode that includes sqlite3.h) and the
# transfer engine (origin fetcher → cache files → job manager events).
add_library(donode_store STATIC ${CMAKE_CURRENT_LIST_DIR}/store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/store_schema.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content_store.cpp)
target_include_directories(donode_store PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
target_link_libraries(donode_store PUBLIC donode_model donode_wire PRIVATE SQLite::SQLite3)

add_library(donode_transfer STATIC ${CMAKE_CURRENT_LIST_DIR}/transfer_engine.cpp)
target_include_directories(donode_transfer PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
target_link_libraries(donode_transfer
  PUBLIC donode_model donode_origin donode_wire Boost::headers Threads::Threads
  PRIVATE spdlog::spdlog)
