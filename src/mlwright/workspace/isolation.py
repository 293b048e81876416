"""What isolation this machine gives candidate code, layer by layer: `mlwright doctor`."""

from __future__ import annotations

from dataclasses import dataclass

from mlwright.workspace.jail import bwrap_binary, jail_unavailable_reason
from mlwright.workspace.sandbox import MAX_PROCESSES, network_isolation_available


@dataclass(frozen=True)
class Layer:
    name: str
    present: bool
    detail: str


def isolation_layers() -> list[Layer]:
    reason = jail_unavailable_reason()
    jailed = reason is None
    network = jailed or network_isolation_available()
    return [
        Layer("jail (bubblewrap)", jailed, f"{bwrap_binary()}: system read-only, only the run's "
              "inputs visible, only its folder writable" if jailed else str(reason)),
        Layer("own PID namespace", jailed, "nothing a run starts outlives it; no parent's "
              "/proc" if jailed else "a run's daemons can outlive it; /proc shows the harness"),
        Layer("no network", network, "own network namespace" if network else
              "unshare --net is refused: candidates can reach the network and loopback"),
        Layer("no keys", True, "environment emptied but for a short list of kept variables"),
        Layer("limits", True, f"wall clock, memory (PSS of every process), "
              f"{MAX_PROCESSES} processes, disk share"),
        Layer("model-written code", jailed, "runs jailed" if jailed else
              "refused unless --unsafe-no-jail"),
    ]
