"""The optimised fee arbitrage against a plain, direct transcription of SPEC §5."""

import itertools

import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from quantamm_eqx._simulation.arbitrage import fee_arbitrage, signature_terms, signatures


def plain_fee_arbitrage(reserves, weights, prices, gamma, slack, gas_cost, arb_fees):
    """SPEC §5 as written: every signature over all assets, products of powers, NumPy."""
    best, best_profit = np.zeros_like(reserves), -np.inf
    for token_in, token_out in itertools.permutations(range(len(reserves)), 2):
        active = [token_in, token_out]
        exponent = np.zeros(len(reserves))
        exponent[token_in] = 1.0
        w = weights[active] / weights[active].sum()
        g = gamma ** exponent[active]
        constant = np.prod(reserves[active] ** w)
        per_asset = (w * g / prices[active]) ** (1 - w)
        quantities = (prices[active] / (g * w)) ** w
        other = quantities[::-1]
        trade = np.zeros_like(reserves)
        trade[active] = (constant * per_asset * other - reserves[active]) / g
        if not np.all(reserves + trade > 0):
            continue
        charged = reserves + trade * np.where(trade > 0, gamma, 1.0)
        before, after = np.prod(reserves**weights), np.prod(charged**weights)
        valid = (after - before) / before >= -slack
        profit = -np.sum(trade * prices)
        if valid and profit > best_profit:
            best, best_profit = trade, profit
    executes = -np.sum(best * prices) - gas_cost >= 0.5 * arb_fees * np.sum(np.abs(best) * prices)
    return reserves + best if executes else reserves


@st.composite
def markets(draw):
    n_assets = draw(st.integers(2, 6))
    positive = st.floats(-3.0, 3.0)
    reserves = np.exp(draw(hnp.arrays(np.float64, n_assets, elements=positive)))
    weights = draw(hnp.arrays(np.float64, n_assets, elements=st.floats(0.05, 1.0)))
    prices = np.exp(draw(hnp.arrays(np.float64, n_assets, elements=positive)))
    return reserves, weights / weights.sum(), prices


@given(
    markets(),
    st.sampled_from([0.0005, 0.003, 0.01, 0.05]),
    st.sampled_from([0.0, 1e-3]),
    st.sampled_from([0.0, 0.001]),
)
def test_fee_arbitrage_matches_the_plain_transcription(market, fees, gas_cost, arb_fees):
    """Same reserves, to rounding. The optimal trade leaves the invariant unchanged in exact
    arithmetic, so both sides accept it with a small slack instead of leaving it to
    rounding (which is the reference's rule, and decides differently in each form)."""
    reserves, weights, prices = market
    gamma, slack = 1.0 - fees, 1e-9
    sigs = signatures(len(reserves))
    terms = signature_terms(jnp.asarray(weights), jnp.asarray(prices), gamma, sigs)
    fast = fee_arbitrage(jnp.asarray(reserves), terms, gamma, sigs, slack, gas_cost, arb_fees)
    plain = plain_fee_arbitrage(reserves, weights, prices, gamma, slack, gas_cost, arb_fees)
    np.testing.assert_allclose(fast, plain, rtol=1e-9)
