"""The optimised fee arbitrage against a plain, direct transcription of SPEC §5."""

import itertools

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from quantamm_eqx._simulation.arbitrage import fee_arbitrage, signature_terms, signatures


def plain_fee_arbitrage(reserves, weights, prices, gamma, slack, gas_cost, arb_fees):
    """SPEC §5 as written: every signature over all assets, products of powers, NumPy.

    Returns every acceptable outcome: the reserves after the most profitable valid trade,
    and after any other whose profit ties with it up to rounding (1e-9 relative), since
    which of those wins is decided by rounding.
    """
    candidates = []
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
        if (after - before) / before >= -slack:
            candidates.append((-np.sum(trade * prices), trade))
    if not candidates:
        return [reserves]
    best_profit = max(profit for profit, _ in candidates)
    outcomes = []
    for profit, trade in candidates:
        if profit < best_profit - 1e-9 * abs(best_profit):
            continue
        cost = 0.5 * arb_fees * np.sum(np.abs(trade) * prices)
        outcomes.append(reserves + trade if profit - gas_cost >= cost else reserves)
    return outcomes


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
    outcomes = plain_fee_arbitrage(reserves, weights, prices, gamma, slack, gas_cost, arb_fees)
    assert any(np.allclose(fast, outcome, rtol=1e-9, atol=0) for outcome in outcomes), (
        fast,
        outcomes,
    )


def test_fee_arbitrage_breaks_an_exact_tie_by_signature_order():
    """Selling asset 0 or asset 1 for asset 2 is equally profitable here (the market is
    symmetric in them): the first signature in (in, out) order, (2, 0), trades."""
    reserves = np.array([1.0, np.e**2, 1.0])
    weights = np.full(3, 1 / 3)
    prices = np.array([np.e**2, 1.0, 1.0])
    sigs = signatures(3)
    terms = signature_terms(jnp.asarray(weights), jnp.asarray(prices), 0.9995, sigs)
    after = np.asarray(fee_arbitrage(jnp.asarray(reserves), terms, 0.9995, sigs, 1e-9, 0.0, 0.0))
    assert after[0] < reserves[0] and after[2] > reserves[2]
    assert after[1] == pytest.approx(reserves[1], rel=1e-12)
    outcomes = plain_fee_arbitrage(reserves, weights, prices, 0.9995, 1e-9, 0.0, 0.0)
    assert len(outcomes) == 2  # both ties are acceptable outcomes of the plain form
