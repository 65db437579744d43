"""One arbitrage phase with a swap fee against the extended-precision oracle (`oracle.py`):
the exact rule (the default), the reference's rule, and the no-arbitrage band."""

import itertools

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from oracle import oracle_candidates

from quantamm_eqx.simulation import Costs, ExactArbitrage, ReferenceArbitrage, signatures


@st.composite
def markets(draw, n_assets=st.integers(2, 6)):
    n = draw(n_assets)
    positive = st.floats(-3.0, 3.0)
    reserves = np.exp(draw(hnp.arrays(np.float64, n, elements=positive)))
    weights = draw(hnp.arrays(np.float64, n, elements=st.floats(0.05, 1.0)))
    prices = np.exp(draw(hnp.arrays(np.float64, n, elements=positive)))
    return reserves, weights / weights.sum(), prices


def run_phase(rule, market, fees, gas_cost=0.0, arb_fees=0.0):
    reserves, weights, prices = (jnp.asarray(x) for x in market)
    sigs = signatures(len(reserves))
    terms = rule.terms(weights, prices, fees, sigs, scale=reserves)
    return np.asarray(
        rule.phase(reserves, weights, prices, terms, Costs(fees, gas_cost, arb_fees), sigs)
    )


def oracle_outcomes(market, fees, gas_cost, arb_fees):
    """The reserves after the oracle's best valid trade and after any other whose profit
    ties with it up to rounding (1e-9 relative): which of those wins is rounding's choice."""
    reserves, weights, prices = (np.asarray(x, np.longdouble) for x in market)
    trades, valid, profits = oracle_candidates(reserves, weights, prices, 1 - np.longdouble(fees))
    if not valid.any():
        return [market[0]]
    best = profits[valid].max()
    outcomes = []
    for trade, profit in zip(trades[valid], profits[valid]):
        if profit >= best - 1e-9 * abs(best):
            cost = 0.5 * arb_fees * np.sum(np.abs(trade) * prices)
            outcomes.append(reserves + trade if profit - gas_cost >= cost else reserves)
    return [np.asarray(outcome, np.float64) for outcome in outcomes]


FEES = st.sampled_from([0.0005, 0.003, 0.01, 0.05])


@given(markets(), FEES, st.sampled_from([0.0, 1e-3]), st.sampled_from([0.0, 0.001]))
def test_exact_phase_matches_the_oracle(market, fees, gas_cost, arb_fees):
    after = run_phase(ExactArbitrage(), market, fees, gas_cost, arb_fees)
    outcomes = oracle_outcomes(market, fees, gas_cost, arb_fees)
    assert any(np.allclose(after, outcome, rtol=1e-9, atol=0) for outcome in outcomes), (
        after,
        outcomes,
    )


@given(markets(), FEES)
def test_reference_phase_makes_one_of_the_oracles_trades_or_none(market, fees):
    """The reference's rule evaluates the same optimal trades; rounding only decides which
    valid ones it keeps, so it makes one of them (not always the best), or none, or, as the
    reference does with equally profitable trades, the sum of any that tie."""
    after = run_phase(ReferenceArbitrage(), market, fees)
    reserves, weights, prices = (np.asarray(x, np.longdouble) for x in market)
    trades, valid, profits = oracle_candidates(reserves, weights, prices, 1 - np.longdouble(fees))
    trades, profits = trades[valid], profits[valid]
    made = [reserves]
    for chosen in range(len(trades)):  # a trade, or it with any others tied with it
        tied = [
            k
            for k in range(len(trades))
            if abs(profits[k] - profits[chosen]) <= 1e-12 * abs(profits[chosen]) and k != chosen
        ]
        for size in range(len(tied) + 1):
            for others in itertools.combinations(tied, size):
                made.append(reserves + trades[chosen] + sum(trades[k] for k in others))
    outcomes = [np.asarray(outcome, np.float64) for outcome in made]
    assert any(np.allclose(after, outcome, rtol=1e-9, atol=0) for outcome in outcomes)


def test_exact_phase_breaks_an_exact_tie_by_signature_order():
    """Selling asset 0 or asset 1 for asset 2 is equally profitable here (the market is
    symmetric in them): the first signature in (in, out) order, (2, 0), trades."""
    market = (np.array([1.0, np.e**2, 1.0]), np.full(3, 1 / 3), np.array([np.e**2, 1.0, 1.0]))
    after = run_phase(ExactArbitrage(), market, 0.0005)
    assert after[0] < market[0][0] and after[2] > market[0][2]
    assert after[1] == pytest.approx(market[0][1], rel=1e-12)
    assert len(oracle_outcomes(market, 0.0005, 0.0, 0.0)) == 2  # both ties are the oracle's


def log_mispricing(reserves, weights, prices, i, j):
    """log of the pool's price of asset `i` in units of `j` over the market's."""
    quoted = (weights[i] / reserves[i]) / (weights[j] / reserves[j])
    return np.log(quoted / (prices[i] / prices[j]))


@given(markets(st.just(2)), FEES)
def test_two_asset_pool_ends_a_phase_inside_the_no_arbitrage_band(market, fees):
    """Without gas or arbitrage fees, a 2-asset pool's quoted price ratio lies within
    `[gamma, 1 / gamma]` of the market's after every phase (1e-9 relative)."""
    after = run_phase(ExactArbitrage(), market, fees)
    band = -np.log1p(-fees)
    assert abs(log_mispricing(after, market[1], market[2], 0, 1)) <= band + 1e-9


@given(markets(st.integers(3, 6)), FEES)
def test_traded_pair_ends_a_phase_inside_the_no_arbitrage_band(market, fees):
    """With more assets one pair trades per phase: that pair ends inside its band (at the
    edge); with no trade, every pair was inside its band."""
    reserves, weights, prices = market
    after = run_phase(ExactArbitrage(), market, fees)
    band = -np.log1p(-fees)
    moved = np.flatnonzero(after != reserves)
    everything = [(i, j) for i in range(len(reserves)) for j in range(i)]
    pairs = [tuple(moved)] if len(moved) else everything
    assert len(moved) in (0, 2)
    for i, j in pairs:
        assert abs(log_mispricing(after, weights, prices, i, j)) <= band + 1e-9
