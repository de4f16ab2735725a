"""Writes the file system of a small Python base image from this machine's
Python, for the test that runs a pyfunc model's image in dockerd without
pulling anything.

Usage: python python_base.py MODEL_DIR OUT.tar. Run it with the Python (a
virtual environment or not) that has mlflow. It loads MODEL_DIR with
mlflow.pyfunc and predicts its input example (if it has one), as Weir's worker does, then
writes OUT.tar holding, at their paths on this machine: the interpreter, its
standard library (without tests and GUI modules), the virtual environment's
pyvenv.cfg, the installed packages that the load and predict imported (with
every distribution's metadata, so requirement checks see versions), pip, a
shell and rm (what a Dockerfile's RUN pip install needs), and the shared
libraries all of it links to (ldd). It prints a JSON object with the
PATH the image must have ({"path": ...}) so that python3 is this Python.
"""
import json
import os
import site
import subprocess
import sys
import sysconfig
import tarfile
import warnings

# What Weir's worker imports, then what loading and predicting import.
import struct  # noqa: F401
import traceback  # noqa: F401

# Packages mlflow imports when they are there but does not need to load and
# score a PythonModel: left out, they keep the base a quarter of the size
# (and loading without them proves the image does not need them).
OPTIONAL = ("scipy", "pyarrow", "sklearn", "matplotlib")
for _name in OPTIONAL:
    sys.modules[_name] = None

warnings.filterwarnings("ignore")
import mlflow  # noqa: E402
import mlflow.pyfunc  # noqa: E402
import numpy  # noqa: E402,F401
import pandas  # noqa: E402,F401
from mlflow.models import Model  # noqa: E402
from mlflow.utils.proto_json_utils import NumpyEncoder, _get_jsonable_obj, cast_df_types_according_to_schema  # noqa: E402,F401

SKIP_DIRS = {"tests", "test", "js"}  # test suites, and mlflow's web UI
SKIP_STDLIB = {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "site-packages", "dist-packages",
               "config-3.11-x86_64-linux-gnu"}


def main():
    model_dir, out = sys.argv[1], sys.argv[2]
    m = mlflow.pyfunc.load_model(model_dir)
    example = Model.load(model_dir).load_input_example(model_dir)
    if example is not None:
        m.predict(example)

    paths = set()  # files and symlinks to add, absolute
    stdlib = sysconfig.get_paths()["stdlib"]
    for root, dirs, files in os.walk(stdlib):
        if root == stdlib:
            dirs[:] = [d for d in dirs if d not in SKIP_STDLIB and not d.startswith("config-")]
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        paths.update(os.path.join(root, f) for f in files if not f.startswith("_tkinter"))

    sites = [os.path.realpath(p) for p in site.getsitepackages()]
    tops = set()
    for mod in list(sys.modules.values()):
        for f in [getattr(mod, "__file__", None)] + list(getattr(mod, "__path__", []) or []):
            if not f:
                continue
            f = os.path.realpath(f)
            for s in sites:
                if f.startswith(s + os.sep):
                    tops.add(os.path.join(s, f[len(s) + 1:].split(os.sep)[0]))
    for s in sites:
        if os.path.isdir(os.path.join(s, "pip")):
            tops.add(os.path.join(s, "pip"))
        for name in os.listdir(s):
            p = os.path.join(s, name)
            stem = name.split(".")[0].split("-")[0]
            if name.endswith((".dist-info", ".pth")) or (name.endswith(".libs") and os.path.join(s, stem) in tops):
                tops.add(p)
    for t in tops:
        if os.path.isdir(t):
            for root, dirs, files in os.walk(t):
                dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
                paths.update(os.path.join(root, f) for f in files)
        else:
            paths.add(t)

    paths.update(p for p in ("/bin/sh", "/bin/dash", "/bin/rm") if os.path.exists(p))
    exe = sys.executable
    paths.add(exe)
    for name in ("python", "python3", "python3.11"):
        paths.add(os.path.join(os.path.dirname(exe), name))
    paths.add(os.path.realpath(exe))
    if sys.prefix != sys.base_prefix:
        paths.add(os.path.join(sys.prefix, "pyvenv.cfg"))

    elfs = [p for p in paths if p.endswith(".so") or ".so." in os.path.basename(p)
            or p in (os.path.realpath(exe), "/bin/dash", "/bin/rm")]
    for i in range(0, len(elfs), 200):
        r = subprocess.run(["ldd"] + elfs[i:i + 200], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            line = line.strip()
            if "=>" in line:
                line = line.split("=>", 1)[1].strip()
            lib = line.split(" (")[0].strip()
            if lib.startswith("/") and os.path.exists(lib):
                paths.add(os.path.normpath(lib))

    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        w = Writer(tar)
        for p in sorted(paths):
            if os.path.lexists(p):
                w.add(p)
        tmp = tarfile.TarInfo("tmp")
        tmp.type, tmp.mode = tarfile.DIRTYPE, 0o1777
        tar.addfile(tmp)
    path = os.path.dirname(exe) + ":/usr/local/bin:/usr/bin:/bin"
    print(json.dumps({"path": path, "python": exe}))


class Writer:
    """Adds paths to a tar so that no entry lies below a symbolic link: a
    directory that is a link on this machine (a merged /usr's /lib) goes in
    as that link, and what lies under it goes in at its real path, since
    docker refuses to unpack through links."""

    def __init__(self, tar):
        self.tar = tar
        self.added = set()

    def real_dir(self, d):
        """Adds the directories and links leading to d; returns d's real path."""
        real = "/"
        for comp in d.strip("/").split("/"):
            if not comp:
                continue
            nxt = os.path.join(real, comp)
            if os.path.islink(nxt):
                if nxt not in self.added:
                    self.added.add(nxt)
                    self.entry(nxt, tarfile.SYMTYPE, 0o777, os.readlink(nxt))
                real = self.real_dir(os.path.realpath(nxt))
            else:
                if nxt not in self.added:
                    self.added.add(nxt)
                    self.entry(nxt, tarfile.DIRTYPE, 0o755)
                real = nxt
        return real

    def entry(self, p, typ, mode, link=""):
        info = tarfile.TarInfo(p.lstrip("/"))
        info.type, info.mode, info.linkname = typ, mode, link
        self.tar.addfile(info)

    def add(self, p, depth=0):
        q = os.path.join(self.real_dir(os.path.dirname(p)), os.path.basename(p))
        if q in self.added:
            return
        self.added.add(q)
        info = self.tar.gettarinfo(q, arcname=q.lstrip("/"))
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        if info.isreg():
            info.mode |= 0o444
            with open(q, "rb") as f:
                self.tar.addfile(info, f)
            return
        self.tar.addfile(info)
        if info.issym() and depth < 10:  # the file the link names goes in too
            target = os.path.normpath(os.path.join(os.path.dirname(q), os.readlink(q)))
            if os.path.lexists(target):
                self.add(target, depth + 1)


if __name__ == "__main__":
    main()
