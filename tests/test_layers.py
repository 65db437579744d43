"""The pools-as-layers how-to: an MLP sets a pool's parameters per window and learns."""

import jax.numpy as jnp
import numpy as np
from test_examples import ROOT, python_blocks

from quantamm_eqx import MomentumPool

PAGE = ROOT / "docs" / "how-to" / "layers.md"


def test_the_mlp_example_trains_end_to_end():
    namespace = {"__name__": "__documentation__"}
    for index, block in enumerate(python_blocks(PAGE)):
        exec(compile(block, f"{PAGE.name}[block {index}]", "exec"), namespace)
    losses = namespace["losses"]
    assert losses[-1] < losses[0], losses  # the loss over the training windows decreases
    model, prices = namespace["model"], namespace["prices"]
    features = namespace["trailing_volatility"]
    calm, noisy = (model(features(prices, start)) for start in (3 * 1440, 9 * 1440))
    assert isinstance(calm, MomentumPool)
    # Each window gets its own parameters from its own features.
    assert not np.allclose(calm.log_k, noisy.log_k) or not np.allclose(
        calm.logit_lamb, noisy.logit_lamb
    )
    assert bool(jnp.all(jnp.isfinite(calm.log_k)))
