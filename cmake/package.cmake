# The Debian package (cpack -G DEB, from a build configured with CMAKE_INSTALL_PREFIX=/usr):
# everything `make install` installs, the node's systemd unit, its configuration in
# /etc/xtalproof (a conffile), and maintainer scripts that add the `xtalproof` system user.
# Runtime dependencies come from dpkg-shlibdeps (dpkg-dev). scripts/package-test.sh builds,
# installs and checks it.
configure_file(${CMAKE_SOURCE_DIR}/packaging/xtalproof-node.service.in
               ${CMAKE_BINARY_DIR}/xtalproof-node.service @ONLY)
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  install(FILES ${CMAKE_BINARY_DIR}/xtalproof-node.service DESTINATION lib/systemd/system)
  install(FILES packaging/node.json DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/xtalproof)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME xtalproof)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "xtalproof maintainers <xtalproof@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "provenance, prediction commitments and verification for crystal-structure data")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "symmetry-invariant hashes of crystal structures, append-only Merkle logs anchored on an
 Ethereum-compatible chain, a deterministic fixed-point graph network, and prediction records
 that anyone (and the chain, in a dispute game) can check. Includes the xtalproof node as a
 systemd service.")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGE_FILE_NAME "xtalproof_${PROJECT_VERSION}_amd64")
include(CPack)
