"""The package's cffi declarations (xtalproof/_lib.py) lay out every struct exactly as the C
header does: include/xtalproof/api.h, preprocessed, parsed by a second cffi instance."""
import os
import re
import shutil
import subprocess

import cffi
import pytest

from conftest import TOP
from xtalproof._lib import API_VERSION, ffi

HEADER = os.path.join(TOP, "include", "xtalproof", "api.h")


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C preprocessor")
def test_declarations_match_the_header():
    with open(HEADER) as f:
        text = re.sub(r"^#include .*$", "", f.read(), flags=re.M)
    out = subprocess.run(["cc", "-E", "-P", "-x", "c", "-DXTP_EXPORT=", "-U__GNUC__", "-"],
                         input=text, capture_output=True, text=True, check=True).stdout
    assert f"XTP_API_VERSION {API_VERSION}" in text
    header = cffi.FFI()
    header.cdef(out)
    structs = re.findall(r"typedef struct (xtp_\w+) \{", text)
    assert len(structs) >= 9
    for name in structs:
        assert ffi.sizeof(name) == header.sizeof(name), name
        fields = [f for f, _ in header.typeof(name).fields]
        assert [f for f, _ in ffi.typeof(name).fields] == fields, name
        for field in fields:
            assert ffi.offsetof(name, field) == header.offsetof(name, field), (name, field)

    # and every function with the same type
    from xtalproof._lib import LIBRARY_PATH, lib
    theirs = header.dlopen(LIBRARY_PATH)
    names = re.findall(r"\b(xtp_\w+)\(", out)
    assert len(names) >= 20
    for fn in names:
        assert ffi.typeof(getattr(lib, fn)).cname == header.typeof(getattr(theirs, fn)).cname, fn
