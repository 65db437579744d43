"""Test configuration: float64 unless a test asks for float32; bounded hypothesis runs."""

import jax
import pytest
from hypothesis import HealthCheck, settings

jax.config.update("jax_enable_x64", True)

# The default run (CI's) draws the same 20 examples every time, so it is reproducible and
# fits the 2-core budget (most examples compile a new shape); `nox -s slow` uses the
# thorough profile: 500 fresh random examples per property.
settings.register_profile(
    "default",
    deadline=None,
    max_examples=20,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "thorough", parent=settings.get_profile("default"), max_examples=500, derandomize=False
)
settings.load_profile("default")


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_programs():
    """Drop JAX's compiled programs after a test module once the process maps many regions.

    Every compiled XLA:CPU program keeps memory mappings; one test process compiles
    thousands of programs and would reach the kernel's limit on mappings
    (`vm.max_map_count`, 65,530), where the compiler crashes with a segmentation fault.
    Below a third of that, the programs are kept: later modules reuse many of them.
    """
    yield
    if _mapping_count() > 20_000:
        jax.clear_caches()


def _mapping_count() -> int:
    """The number of this process's memory mappings (0 where /proc is not available)."""
    try:
        with open("/proc/self/maps", "rb") as maps:
            return sum(1 for _ in maps)
    except OSError:
        return 0
