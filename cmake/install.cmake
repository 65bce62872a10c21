# Install rules and packages: the program, the library (static and shared) with its public
# header icstress.h and the headers it includes, a CMake package (icstress::icstress), a
# pkg-config file, example configs and docs; `cpack -G DEB` builds a Debian package.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

configure_file(${CMAKE_SOURCE_DIR}/cmake/icstress_version.h.in
               ${CMAKE_BINARY_DIR}/generated/icstress_version.h @ONLY)
target_include_directories(icstress_lib PUBLIC $<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/generated>)

# The shared library from the static library's (position-independent) objects: one compile.
add_library(icstress_shared SHARED $<TARGET_OBJECTS:icstress_lib>)
get_target_property(_ics_deps icstress_lib LINK_LIBRARIES)
get_target_property(_ics_incs icstress_lib INTERFACE_INCLUDE_DIRECTORIES)
get_target_property(_ics_defs icstress_lib INTERFACE_COMPILE_DEFINITIONS)
target_link_libraries(icstress_shared PUBLIC ${_ics_deps})
target_include_directories(icstress_shared PUBLIC ${_ics_incs})
target_compile_definitions(icstress_shared PUBLIC ${_ics_defs})
set_target_properties(icstress_shared PROPERTIES OUTPUT_NAME icstress
                      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
set_target_properties(icstress_lib PROPERTIES EXPORT_NAME icstress_static)
set_target_properties(icstress_shared PROPERTIES EXPORT_NAME icstress)

install(TARGETS icstress RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS icstress_lib icstress_shared EXPORT icstress-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/icstress)
# The public header and every header it includes (internal headers stay out).
file(GLOB_RECURSE _ics_headers ${CMAKE_SOURCE_DIR}/core/ics_*.h ${CMAKE_SOURCE_DIR}/kernels/ics_kernels.h)
list(FILTER _ics_headers EXCLUDE REGEX "_internal\\.h$")
install(FILES ${CMAKE_SOURCE_DIR}/core/icstress.h ${_ics_headers}
              ${CMAKE_BINARY_DIR}/generated/icstress_version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/icstress)
install(EXPORT icstress-targets NAMESPACE icstress::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/icstress)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/icstress-config.cmake.in
  ${CMAKE_BINARY_DIR}/generated/icstress-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/icstress)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/generated/icstress-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/generated/icstress-config.cmake
              ${CMAKE_BINARY_DIR}/generated/icstress-config-version.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/icstress)

# pkg-config: the headers' own dependencies (cblas.h, lapacke.h) come through Requires.
configure_file(${CMAKE_SOURCE_DIR}/cmake/icstress.pc.in ${CMAKE_BINARY_DIR}/generated/icstress.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/generated/icstress.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Example configs, the scenario library and the docs.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/icstress/configs
        PATTERN "*.sh" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                   WORLD_READ WORLD_EXECUTE)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/LICENSE
              ${CMAKE_SOURCE_DIR}/CHANGELOG.md ${CMAKE_SOURCE_DIR}/CITATION.cff
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian's places for the licence and the changelog (lintian: copyright, changelog.gz).
install(FILES ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
execute_process(COMMAND gzip -9 -n -c ${CMAKE_SOURCE_DIR}/CHANGELOG.md
                OUTPUT_FILE ${CMAKE_BINARY_DIR}/generated/changelog.gz)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/CHANGELOG.md)
install(FILES ${CMAKE_BINARY_DIR}/generated/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The man page icstress(1) and the bash completion, generated at build time by the program from
# its option tables (drivers/commands.c), like its --help: build/icstress.1 (man -l) and
# build/icstress.bash-completion.
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/icstress.1 ${CMAKE_BINARY_DIR}/icstress.1.gz
  COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:icstress> -DARG=--man
          -DOUT=${CMAKE_BINARY_DIR}/icstress.1 -DGZIP=1 -P ${CMAKE_SOURCE_DIR}/cmake/gen_text.cmake
  DEPENDS icstress ${CMAKE_SOURCE_DIR}/cmake/gen_text.cmake VERBATIM)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/icstress.bash-completion
  COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:icstress> -DARG=--completion
          -DOUT=${CMAKE_BINARY_DIR}/icstress.bash-completion -P ${CMAKE_SOURCE_DIR}/cmake/gen_text.cmake
  DEPENDS icstress ${CMAKE_SOURCE_DIR}/cmake/gen_text.cmake VERBATIM)
add_custom_target(icstress_docs ALL DEPENDS ${CMAKE_BINARY_DIR}/icstress.1
                  ${CMAKE_BINARY_DIR}/icstress.bash-completion)
install(FILES ${CMAKE_BINARY_DIR}/icstress.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_BINARY_DIR}/icstress.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME icstress)

# Debian package: `cpack -G DEB` in the build directory.
set(CPACK_PACKAGE_NAME icstress)
set(CPACK_PACKAGE_VENDOR "the icstress developers")
set(CPACK_PACKAGE_CONTACT "icstress developers <icstress@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "parallel scenario engine for an input-output model of the IC industry chain")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"icstress runs large stochastic ensembles of shocks through a multi-regional
input-output model of the global integrated-circuit industry chain (static
Leontief, Ghosh and inoperability models, DIIM and ARIO-type dynamics),
batched into BLAS-3 calls with OpenMP and MPI, reproducible for any number
of processes and resumable, writing HDF5.")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# the shared library's ldconfig also by a dpkg trigger
file(WRITE ${CMAKE_BINARY_DIR}/generated/deb/triggers "activate-noawait ldconfig\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/generated/deb/triggers)
# python3: the reader package under lib/python3 (icstress report; lintian: python-package-missing-
# depends-on-python)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "openmpi-bin, python3")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "hdf5-tools, python3-h5py")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
