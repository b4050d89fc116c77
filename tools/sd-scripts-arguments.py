#!/usr/bin/env python3
"""Regenerates the sd-scripts argument lists (src/Protocol/SdScripts/Arguments/<script>.txt) from an sd-scripts checkout.

    python3 tools/sd-scripts-arguments.py <sd-scripts checkout> [--ref v0.10.1] [--commit <sha>] [--out <folder>]

For each list in the output folder it imports the script of the same name from the checkout, calls its setup_parser()
and writes the dest of every argument the parser takes, sorted, under a header naming the release and commit. The ref
and commit are read from the checkout's git (an exact tag) unless given. Neither torch nor sd-scripts' requirements
are needed: a module the machine lacks is replaced by an inert stand-in, because building the parser only needs
sd-scripts' own code. Set the GPU image's SD_SCRIPTS_REF to the same ref (a test compares them).
"""
import argparse
import importlib
import importlib.abc
import importlib.machinery
import os
import subprocess
import sys
import types

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "Protocol", "SdScripts", "Arguments")


def _inert(name):
    # A class of its own per name, so that two of them can be base classes of one class.
    return _InertMeta(name, (Inert,), {})


class _InertMeta(type):
    def __getattr__(cls, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _inert(name)

    def __getitem__(cls, item):
        return Inert

    def __or__(cls, other):
        return Inert

    __ror__ = __or__


class Inert(metaclass=_InertMeta):
    """Stands for any object of a missing module: usable as a base class, decorator, value or callable."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Inert

    def __call__(self, *args, **kwargs):
        return Inert()

    def __iter__(self):
        return iter(())

    def __getitem__(self, item):
        return Inert()

    def __lt__(self, other):
        return False

    __le__ = __gt__ = __ge__ = __lt__


class _InertModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        value = _inert(name)
        setattr(self, name, value)
        return value


class _InertFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on the import path: only modules nothing else can find end up here."""

    def find_spec(self, fullname, path, target=None):
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = _InertModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


def git(checkout, *args):
    try:
        return subprocess.run(["git", "-C", checkout, *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def argument_names(script):
    module = importlib.import_module(os.path.splitext(script)[0])
    parser = module.setup_parser()
    return sorted({action.dest for action in parser._actions if action.dest != "help"})


def main():
    cli = argparse.ArgumentParser(description="Regenerate the agent's sd-scripts argument lists from a checkout.")
    cli.add_argument("checkout", help="an sd-scripts checkout at the release the GPU image pins")
    cli.add_argument("--ref", help="the release tag (default: the checkout's exact git tag)")
    cli.add_argument("--commit", help="the commit (default: the checkout's HEAD)")
    cli.add_argument("--out", default=DEFAULT_OUT, help="the folder of <script>.txt lists to rewrite")
    options = cli.parse_args()

    checkout = os.path.abspath(options.checkout)
    ref = options.ref or git(checkout, "describe", "--tags", "--exact-match")
    commit = options.commit or git(checkout, "rev-parse", "HEAD")
    if not ref or not commit:
        cli.error("cannot tell the checkout's release tag and commit from git; give --ref and --commit")

    lists = sorted(name for name in os.listdir(options.out) if name.endswith(".txt"))
    if not lists:
        cli.error(f"no <script>.txt lists in {options.out}")

    sys.path.insert(0, checkout)
    sys.meta_path.append(_InertFinder())
    for name in lists:
        script = os.path.splitext(name)[0] + ".py"
        names = argument_names(script)
        with open(os.path.join(options.out, name), "w", encoding="utf-8", newline="\n") as f:
            f.write(f"# Argument names (argparse dest) accepted by {script} of kohya-ss/sd-scripts {ref}\n")
            f.write(f"# (commit {commit}), collected from setup_parser and the add_*_arguments it calls.\n")
            f.writelines(n + "\n" for n in names)
        print(f"{name}: {len(names)} arguments", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
