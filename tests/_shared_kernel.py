"""``--nbval-shared-kernel``: nbval's notebook collector, with one kernel per test process.

nbval starts a fresh kernel for every notebook. Each then spends several seconds of CPU before its
first real cell: starting the kernel, importing torch and matplotlib, and (on the first optimizer)
importing torch._dynamo. Phase 2 of ``make test`` re-runs every notebook under perturbed arithmetic to
check that the committed outputs reproduce; for that check the notebooks can share a kernel, as long
as each one starts from the state a fresh kernel would give it. Before every notebook the kernel
therefore gets:

- an empty namespace (``%reset -f``), so a name a notebook forgets to define or import still fails;
- its figures closed, and matplotlib's settings, NumPy's and PyTorch's print options, the warning
  filters and every module's record of warnings already shown put back as they were at kernel start;
- PyTorch's default dtype, autograd and determinism switches at their defaults;
- ``cnnbook.plot``'s animation counter at zero (it numbers the players of a kernel's animations);
- the notebook's folder as its working directory.

Each notebook still seeds its own random generators in its setup cell. Phase 1 keeps nbval's fresh
kernel per notebook, which is what a reader gets.
"""

from __future__ import annotations

import pytest
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel
from nbval.plugin import IPyNbFile

from tests._book import process_cpu_seconds

#: Run once in a new kernel: remember the state a notebook would find in a fresh kernel.
REMEMBER = """
import sys, types, warnings
import matplotlib, matplotlib.pyplot, numpy
_state = types.ModuleType("_cnnbook_fresh_kernel_state")
_state.rc = matplotlib.rcParams.copy()
_state.filters = list(warnings.filters)
_state.printoptions = numpy.get_printoptions()
sys.modules[_state.__name__] = _state
del sys, types, warnings, matplotlib, numpy, _state
"""

#: Run before every notebook: back to that state (see the module docstring), in ``folder``.
FRESH_START = """
%reset -f
def _fresh_start(folder):
    import os, sys, warnings
    import matplotlib, matplotlib.pyplot, numpy
    state = sys.modules["_cnnbook_fresh_kernel_state"]
    matplotlib.pyplot.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(state.rc)
    warnings.filters[:] = state.filters
    warnings._filters_mutated()
    for module in list(sys.modules.values()):
        registry = getattr(module, "__warningregistry__", None)
        if isinstance(registry, dict):
            registry.clear()
    numpy.set_printoptions(**state.printoptions)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_default_dtype(torch.float32)
        torch.set_printoptions(profile="default", sci_mode=None)
        torch.set_grad_enabled(True)
        torch.use_deterministic_algorithms(False)
    plot = sys.modules.get("cnnbook.plot")
    if plot is not None:
        plot._animation_count = 0  # animations are numbered per kernel
    os.chdir(folder)
_fresh_start({folder!r})
del _fresh_start
"""

_kernels: list[RunningKernel] = []


def _run(kernel: RunningKernel, code: str) -> None:
    """Execute ``code`` in ``kernel``; raise if it fails."""
    errors: list[str] = []

    def collect(msg: dict) -> None:
        if msg["header"]["msg_type"] == "error":
            errors.append("\n".join(msg["content"]["traceback"]))

    reply = kernel.kc.execute_interactive(code, timeout=120, output_hook=collect, allow_stdin=False)
    if reply["content"]["status"] != "ok" or errors:
        raise RuntimeError("preparing the shared kernel failed:\n" + "\n".join(errors))


def _kernel_name(notebook: IPyNbFile) -> str:
    option = notebook.config.option
    if option.nbval_current_env:
        return CURRENT_ENV_KERNEL_NAME
    return option.nbval_kernel_name or notebook.nb.metadata.get("kernelspec", {}).get("name", "python")


class SharedKernelNotebook(IPyNbFile):
    """An nbval notebook that runs in this process's shared kernel, reset to a fresh state first."""

    #: The shared kernel's CPU seconds when this notebook started (for the runtime-budget item).
    cpu_at_start: float | None = None

    def setup(self) -> None:
        if not _kernels or not _kernels[0].is_alive():
            _kernels[:] = [RunningKernel(_kernel_name(self), cwd=str(self.path.parent),
                                         startup_timeout=self.config.option.nbval_kernel_startup_timeout)]
            _run(_kernels[0], REMEMBER)
        self.kernel = _kernels[0]
        _run(self.kernel, FRESH_START.format(folder=str(self.path.parent)))
        pid = getattr(getattr(self.kernel.km, "provisioner", None), "pid", None)
        self.cpu_at_start = process_cpu_seconds(pid) if pid else None
        self.setup_sanitize_files()

    def teardown(self) -> None:
        """Keep the kernel for the next notebook; :func:`stop_kernels` ends it."""


def stop_kernels() -> None:
    while _kernels:
        kernel = _kernels.pop()
        if kernel.is_alive():
            kernel.stop()


def use_shared_kernel(collectors: list, parent: pytest.Collector) -> list:
    """Replace nbval's notebook collectors by :class:`SharedKernelNotebook` ones."""
    return [SharedKernelNotebook.from_parent(parent, path=c.path) if type(c) is IPyNbFile else c
            for c in collectors]
