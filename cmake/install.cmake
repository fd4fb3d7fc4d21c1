# `make install` (cmake --install): the program, the converted models, the contracts' ABIs and
# bytecode (deploy reads them), the docs, the licences of the vendored code with a copyright file
# (cmake/licenses.cmake), the man page and bash completion written from the help
# texts, an example node configuration. The library, its headers and its pkg-config file are
# installed with the library's own rules. PREFIX and DESTDIR are the usual CMake ones; the
# installed files are listed in build/install_manifest.txt, which `make uninstall` reads.
include(GNUInstallDirs)
set(XP_DATA_DIR ${CMAKE_INSTALL_DATADIR}/xtalproof)
set(XP_DOC_DIR ${CMAKE_INSTALL_DOCDIR})

# the program and the shared library find the installed models (after $XTALPROOF_MODELS,
# ./models and the source tree)
target_compile_definitions(xtalproof_objs PRIVATE
  XP_MODELS_INSTALL_DIR="${CMAKE_INSTALL_FULL_DATADIR}/xtalproof/models")

install(TARGETS xtalproof_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES models/band-gap.xpm models/formation-energy-per-atom.xpm models/README.md
              models/band-gap.card.json models/formation-energy-per-atom.card.json
              models/LICENSE-cgcnn
        DESTINATION ${XP_DATA_DIR}/models)
install(DIRECTORY contracts/abi contracts/bin DESTINATION ${XP_DATA_DIR}/contracts)
install(FILES README.md docs/architecture.md docs/formats.md docs/operations.md docs/api.md
              docs/quickstart.md docs/security.md docs/contracts.md
        DESTINATION ${XP_DOC_DIR})
install(FILES packaging/node.json DESTINATION ${XP_DOC_DIR}/examples)
# the licences of what it ships from other projects (3Dmol.js and what its build bundles, the
# CGCNN weights) and the copyright file that gathers them
include(cmake/licenses.cmake)

# the man page and the completion, from the built program's help table
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/xtalproof.1 ${CMAKE_BINARY_DIR}/xtalproof.bash
  COMMAND xtalproof_cli help --man > ${CMAKE_BINARY_DIR}/xtalproof.1
  COMMAND xtalproof_cli help --completion > ${CMAKE_BINARY_DIR}/xtalproof.bash
  DEPENDS xtalproof_cli COMMENT "man page and bash completion from the help texts")
add_custom_target(xtalproof_man ALL DEPENDS ${CMAKE_BINARY_DIR}/xtalproof.1
                                            ${CMAKE_BINARY_DIR}/xtalproof.bash)
install(FILES ${CMAKE_BINARY_DIR}/xtalproof.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_BINARY_DIR}/xtalproof.bash DESTINATION
        ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME xtalproof)

add_custom_target(uninstall
  COMMAND test -f ${CMAKE_BINARY_DIR}/install_manifest.txt
  COMMAND xargs -d "\\n" rm -f -v < ${CMAKE_BINARY_DIR}/install_manifest.txt
  COMMENT "removing the files listed in install_manifest.txt" VERBATIM)
include(cmake/package.cmake)
