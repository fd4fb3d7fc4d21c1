# The licences of what xtalproof ships from other projects, installed with it: the CGCNN weights
# the models are converted from (models/LICENSE-cgcnn) and, when the build embeds the explorer's 3D
# viewer (web/node_modules/3dmol from npm, served by the node), 3Dmol.js's licence (which covers
# the GLmol, three.js and jQuery code in it) and those of the npm libraries 3Dmol's build bundles
# (its package.json dependencies: iobuffer, netcdfjs, pako, upng-js). Each text goes to
# share/doc/xtalproof/licenses/NAME.txt, and all of them, with xtalproof's own notice
# (packaging/debian/copyright.in), into share/doc/xtalproof/copyright: the Debian package's
# copyright file, machine-readable (DEP-5). The texts are read from the files npm installed, at
# configure time (cmake again after `npm ci` picks them up).

# name|licence file|SPDX expression|copyright|the files (of the source tree, npm's included) it
# covers|where the package holds them
set(XP_LICENSES
  "cgcnn|${CMAKE_SOURCE_DIR}/models/LICENSE-cgcnn|MIT|2018 Tian Xie|models/*.xpm|the models converted from CGCNN's weights, /usr/share/xtalproof/models")
set(XP_SERVED "built into /usr/bin/xtalproof, which serves it as /vendor/3Dmol-min.js")
set(XP_NPM ${CMAKE_SOURCE_DIR}/web/node_modules)
set(XP_WEB_VERSION_3DMOL "")
if(EXISTS ${XP_WEB_VENDOR}/package.json)
  file(READ ${XP_WEB_VENDOR}/package.json pj)
  string(JSON XP_WEB_VERSION_3DMOL ERROR_VARIABLE no_version GET "${pj}" version)
endif()
if(EXISTS ${XP_WEB_VENDOR}/build/3Dmol-min.js)
  list(APPEND XP_LICENSES
    "3Dmol|${XP_WEB_VENDOR}/LICENSE|BSD-3-Clause and MIT|2014 University of Pittsburgh and contributors, 2011-2012 biochem_fan (GLmol), 2010-2012 three.js Authors, 2011 John Resig (jQuery)|web/node_modules/3dmol/*|3Dmol.js ${XP_WEB_VERSION_3DMOL}, ${XP_SERVED}")
  foreach(dep iobuffer netcdfjs pako upng-js)
    if(EXISTS ${XP_NPM}/${dep}/LICENSE)
      file(STRINGS ${XP_NPM}/${dep}/LICENSE holder REGEX "^Copyright" LIMIT_COUNT 1)
      string(REGEX REPLACE "^Copyright (\\([cC]\\) )?(by )?" "" holder "${holder}")
      list(APPEND XP_LICENSES
        "${dep}|${XP_NPM}/${dep}/LICENSE|MIT|${holder}|web/node_modules/${dep}/*|bundled by 3Dmol.js's build into 3Dmol-min.js, ${XP_SERVED}")
    endif()
  endforeach()
endif()

# A licence text as a DEP-5 field's continuation lines: each line indented, an empty one ".".
function(xp_dep5_text path out)
  file(READ ${path} t)
  string(REPLACE "\t" "    " t "${t}")
  string(REGEX REPLACE "[ ]+\n" "\n" t "${t}")
  string(STRIP "${t}" t)
  string(REPLACE "\n" "\n " t "${t}")
  string(REPLACE "\n \n" "\n .\n" t "${t}")
  string(REPLACE "\n \n" "\n .\n" t "${t}")
  set(${out} " ${t}" PARENT_SCOPE)
endfunction()

file(READ ${CMAKE_SOURCE_DIR}/packaging/debian/copyright.in XP_COPYRIGHT)
foreach(l ${XP_LICENSES})
  string(REPLACE "|" ";" parts "${l}")
  list(GET parts 0 name)
  list(GET parts 1 path)
  list(GET parts 2 spdx)
  list(GET parts 3 holder)
  list(GET parts 4 covers)
  list(GET parts 5 where)
  xp_dep5_text(${path} text)
  string(APPEND XP_COPYRIGHT "\nFiles: ${covers}\nCopyright: ${holder}\n"
         "Comment: ${where}; the licence's text is also in licenses/${name}.txt beside this file\n"
         "License: ${spdx}\n${text}\n")
  configure_file(${path} ${CMAKE_BINARY_DIR}/licenses/${name}.txt COPYONLY)
  install(FILES ${CMAKE_BINARY_DIR}/licenses/${name}.txt DESTINATION ${XP_DOC_DIR}/licenses)
endforeach()
# pako is zlib ported: the zlib notice its sources carry (lib/zlib/deflate.js's head)
if(EXISTS ${XP_WEB_VENDOR}/build/3Dmol-min.js AND EXISTS ${XP_NPM}/pako/lib/zlib/deflate.js)
  file(STRINGS ${XP_NPM}/pako/lib/zlib/deflate.js head LIMIT_COUNT 20)
  set(zlib "")
  foreach(line IN LISTS head)
    if(line MATCHES "^//")
      string(REGEX REPLACE "^// ?" "" line "${line}")
      string(APPEND zlib "${line}\n")
    endif()
  endforeach()
  file(WRITE ${CMAKE_BINARY_DIR}/licenses/pako-zlib.txt "${zlib}")
  xp_dep5_text(${CMAKE_BINARY_DIR}/licenses/pako-zlib.txt text)
  string(APPEND XP_COPYRIGHT "\nFiles: web/node_modules/pako/lib/zlib/*\n"
         "Copyright: 1995-2013 Jean-loup Gailly and Mark Adler; 2014-2017 Vitaly Puzrin and Andrey Tupitsin\n"
         "Comment: pako's port of zlib, bundled into 3Dmol-min.js, ${XP_SERVED}; the notice is also in licenses/pako-zlib.txt beside this file\n"
         "License: Zlib\n${text}\n")
  install(FILES ${CMAKE_BINARY_DIR}/licenses/pako-zlib.txt DESTINATION ${XP_DOC_DIR}/licenses)
endif()
file(WRITE ${CMAKE_BINARY_DIR}/copyright.tmp "${XP_COPYRIGHT}")
configure_file(${CMAKE_BINARY_DIR}/copyright.tmp ${CMAKE_BINARY_DIR}/copyright COPYONLY)
install(FILES ${CMAKE_BINARY_DIR}/copyright DESTINATION ${XP_DOC_DIR})
