# What `cmake --install` and `cpack -G DEB` put on a system, and the Debian
# package's metadata. Included by the top CMakeLists.txt.
#
#   cmake --build build && (cd build && cpack -G DEB)
#     -> build/flowaudit_<project version>_amd64.deb
#
# Dependencies come from the binaries' shared libraries (dpkg-shlibdeps, in
# dpkg-dev). The version is project(VERSION), as in --version.
include(GNUInstallDirs)
set(_dist ${PROJECT_SOURCE_DIR}/dist)

install(TARGETS flowrec DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS flowq DESTINATION ${CMAKE_INSTALL_BINDIR})

# Man pages: the version filled in, gzipped as Debian ships them (-n: no name
# or time stamp in the header, so the same source gives the same bytes).
find_program(GZIP_EXECUTABLE gzip REQUIRED)
set(_man_gz)
foreach(page flowrec.8 flowq.1)
  configure_file(${PROJECT_SOURCE_DIR}/man/${page} ${CMAKE_BINARY_DIR}/man/${page} @ONLY)
  add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/man/${page}.gz
    COMMAND ${GZIP_EXECUTABLE} -9nf -k ${CMAKE_BINARY_DIR}/man/${page}
    DEPENDS ${CMAKE_BINARY_DIR}/man/${page}
    COMMENT "Compressing man page ${page}")
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" _section ${page})
  install(FILES ${CMAKE_BINARY_DIR}/man/${page}.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section})
  list(APPEND _man_gz ${CMAKE_BINARY_DIR}/man/${page}.gz)
endforeach()
add_custom_target(manpages ALL DEPENDS ${_man_gz})

install(FILES ${_dist}/bash-completion/flowrec ${_dist}/bash-completion/flowq
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(PROGRAMS ${_dist}/flowrec-instance DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/flowaudit)
# Debian 12 keeps units of packages in /lib/systemd/system (not merged /usr).
install(FILES ${_dist}/flowrec@.service DESTINATION /lib/systemd/system)
install(FILES ${_dist}/example.conf DESTINATION /etc/flowaudit)
# A native package's changelog: this version, dated by SOURCE_DATE_EPOCH when
# set (reproducible builds), else by the build.
string(TIMESTAMP FLOWAUDIT_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(FLOWAUDIT_CONTACT "flowaudit developers <flowaudit@example.org>")
configure_file(${_dist}/debian/changelog.in ${CMAKE_BINARY_DIR}/debian/changelog @ONLY)
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/debian/changelog.gz
  COMMAND ${GZIP_EXECUTABLE} -9nf -k ${CMAKE_BINARY_DIR}/debian/changelog
  DEPENDS ${CMAKE_BINARY_DIR}/debian/changelog)
add_custom_target(debian_changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/debian/changelog.gz)
install(FILES ${CMAKE_BINARY_DIR}/debian/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${_dist}/debian/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        RENAME flowaudit)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/design-notes.md
              ${PROJECT_SOURCE_DIR}/docs/nftables.md
              ${PROJECT_SOURCE_DIR}/schema/network_flow_decision.md
              ${PROJECT_SOURCE_DIR}/schema/network_flow_decision.schema.json
              ${_dist}/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME flowaudit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "flowaudit")
set(CPACK_PACKAGE_CONTACT ${FLOWAUDIT_CONTACT})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "flow audit recorder and query tool for sandboxed cells")
# CPack puts the summary first and indents each line of the long description.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "flowrec records the network flows of a cell (a network namespace or a
Firecracker microVM) with an eBPF tc program and netfilter NFLOG into one
SQLite database per cell; flowq answers forensic questions and exports
NetworkFlowDecision records as JSON or deterministic CBOR.
.
Includes flowrec@.service, one recorder per cell.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3, nftables, jq")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_dist}/debian/conffiles ${_dist}/debian/postinst ${_dist}/debian/prerm
    ${_dist}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
