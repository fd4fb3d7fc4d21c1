"""The xtalproof Python package (docs/python.md). Installs offline with Debian's pip and
setuptools: ``make python`` (a venv in build/) or
``pip install --no-build-isolation --no-index ./python`` in a venv made with
``--system-site-packages`` (cffi, numpy, pymatgen and ASE are Debian packages).

When the C library has been built beside this folder (build/lib/libxtalproof.so.1), its path
is written into the package (xtalproof/_build_path.py) so that the package finds it from any
directory; otherwise the package looks for $XTALPROOF_LIB, then the system's libxtalproof.so.1.
"""
import os

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class build_with_path(build_py):
    def run(self):
        super().run()
        build = os.environ.get("XTALPROOF_BUILD", os.path.join(HERE, "..", "build"))
        lib = os.path.abspath(os.path.join(build, "lib", "libxtalproof.so.1"))
        if os.path.exists(lib):
            target = os.path.join(self.build_lib, "xtalproof", "_build_path.py")
            with open(target, "w") as f:
                f.write("# written by setup.py: the library of the build tree\n"
                        f"LIBRARY = {lib!r}\n")


setup(
    name="xtalproof",
    version="0.1.0",
    description="Crystal identity, matching, fixed-point CGCNN prediction and proof checks "
                "over libxtalproof",
    packages=["xtalproof"],
    package_data={"xtalproof": ["py.typed"]},
    python_requires=">=3.9",
    install_requires=["cffi", "numpy"],
    extras_require={"pymatgen": ["pymatgen"], "ase": ["ase"]},
    cmdclass={"build_py": build_with_path},
)
