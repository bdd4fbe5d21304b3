# pgpx_add_module(NAME <name> [SOURCES ...] HEADERS ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Defines pgpx_<name> with ALIAS pgpx::<name> and EXPORT_NAME <name>. A module without
# SOURCES is an INTERFACE (header-only) library.
function(pgpx_add_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;HEADERS;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(tgt pgpx_${M_NAME})
  if(M_SOURCES)
    add_library(${tgt} ${M_SOURCES})
    target_sources(${tgt} PUBLIC FILE_SET HEADERS BASE_DIRS ${PROJECT_SOURCE_DIR}/include FILES ${M_HEADERS})
    target_include_directories(${tgt} PUBLIC
      $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${tgt} PUBLIC ${M_PUBLIC_DEPS} PRIVATE ${M_PRIVATE_DEPS})
    target_compile_options(${tgt} PRIVATE ${PGPX_WARNING_FLAGS})
    target_compile_features(${tgt} PUBLIC cxx_std_20)
    set_target_properties(${tgt} PROPERTIES
      EXPORT_NAME ${M_NAME} OUTPUT_NAME pgpx_${M_NAME}
      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
      CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON POSITION_INDEPENDENT_CODE ON)
  else()
    add_library(${tgt} INTERFACE)
    target_sources(${tgt} INTERFACE FILE_SET HEADERS BASE_DIRS ${PROJECT_SOURCE_DIR}/include FILES ${M_HEADERS})
    target_include_directories(${tgt} INTERFACE
      $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${tgt} INTERFACE ${M_PUBLIC_DEPS})
    target_compile_features(${tgt} INTERFACE cxx_std_20)
    set_target_properties(${tgt} PROPERTIES EXPORT_NAME ${M_NAME})
  endif()
  add_library(pgpx::${M_NAME} ALIAS ${tgt})
  set_property(GLOBAL APPEND PROPERTY PGPX_MODULES ${tgt})
endfunction()
