"""What the benchmark ran on: cores, CPU model, memory, Python and package versions, git commit."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("rulecraft", "regex", "lark", "pyyaml", "spacy", "hyperscan")


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU model name from /proc/cpuinfo, else what `platform` says."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def memory_gb() -> float | None:
    """Total memory in GB, from /proc/meminfo where there is one."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) * 1024 / 1e9, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def package_versions() -> dict[str, str]:
    """Installed versions of the packages the bench touches ('absent' when not installed)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = _source_version() if name == "rulecraft" else "absent"
    return versions


def _source_version() -> str:
    """Rulecraft's version from the source tree when it is not installed."""
    try:
        from engine import __version__
    except ImportError:
        return "absent"
    return f"{__version__} (source)"


def git_commit(repo: Path) -> str | None:
    """The repository's HEAD commit, with '+dirty' when the work tree has changes."""
    try:
        head = _git(repo, "rev-parse", "--short=12", "HEAD")
        dirty = _git(repo, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True, timeout=10)
    return done.stdout.strip()


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (other work on the machine skews timings)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine_info(repo: Path) -> dict:
    """Everything needed to compare two runs fairly."""
    return {
        "load_average": load_average(),
        "cores": usable_cores(),
        "cpu": cpu_model(),
        "memory_gb": memory_gb(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "commit": git_commit(repo),
    }
