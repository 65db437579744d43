"""The custom-rule how-to: a rule of one's own, built on the public extension point
(`AbstractTFMMPool.rule_outputs`), simulates and trains with `fit`."""

import equinox as eqx
import numpy as np
from test_examples import ROOT, python_blocks

from quantamm_eqx import trainable_filter
from quantamm_eqx.metrics import daily_log_sharpe

PAGE = ROOT / "docs" / "how-to" / "custom-rule.md"


def test_the_custom_rule_simulates_and_trains():
    namespace = {"__name__": "__documentation__"}
    for index, block in enumerate(python_blocks(PAGE)):
        exec(compile(block, f"{PAGE.name}[block {index}]", "exec"), namespace)
    pool, trained = namespace["pool"], namespace["result"].pool
    assert type(trained) is namespace["CrossoverPool"]
    # The rule does what it says: weight moves towards the rising asset.
    final = np.asarray(namespace["before"].weights[-1])
    assert final[0] > final[1] > final[2]
    # fit trains what the ParamSpecs mark trainable, and nothing else.
    params, _ = eqx.partition(pool, trainable_filter(pool))
    assert params.initial_weights_logits is None and params.log_k is not None
    np.testing.assert_array_equal(trained.initial_weights_logits, pool.initial_weights_logits)
    assert not np.allclose(trained.log_k, pool.log_k)
    # Training raised the objective over the whole span (training and beyond).
    assert float(daily_log_sharpe(namespace["after"])) > float(
        daily_log_sharpe(namespace["before"])
    )
    # The streaming API and the sequence API agree, as for the built-in pools.
    config, prices = namespace["config"], np.asarray(namespace["prices"])
    coarse = prices[: 24 * 60 + 1 : config.chunk_period]
    state, rows = pool.init_state(coarse[0], config), []
    for price in coarse[1:]:
        state, change = pool.step(state, price, config)
        rows.append(change)
    np.testing.assert_allclose(
        np.stack(rows), pool.rule_outputs(prices[: 24 * 60 + 1], config), rtol=1e-12
    )
