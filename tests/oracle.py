"""An independent, extended-precision transcription of SPEC §5 (reserves with fees): the oracle
the library's fee path is checked against. Used only by tests.

It is written from the specification, not from the library: products of powers over all
assets, every signature evaluated, NumPy `longdouble` (80-bit on x86-64: about 19 digits).
The arbitrage validity test `prod((R + D g) ** w) >= prod(R ** w)` compares two numbers that
are equal in exact arithmetic for the closed-form optimal trade, so the oracle accepts a trade
whose invariant is lower by at most `INVARIANT_TOLERANCE` (relative): far above its own
rounding (about 1e-18; 1e-16 where `longdouble` is a plain double), so every optimal trade
passes, while a wrongly signed trade lowers the invariant by about the fee times its share
of the reserve, so the only ones it admits are at most about 1e-11 of a reserve.

`python tests/fee_accuracy.py` compares quantammsim's stored values and the library with it.
"""

import itertools

import numpy as np

INVARIANT_TOLERANCE = 1e-14


def oracle_candidates(reserves, weights, prices, gamma):
    """Every signature's optimal trade `(n_signatures, n)`, whether it is valid, and the
    arbitrageur's profit from it, in `longdouble` (SPEC §5)."""
    n = len(reserves)
    pairs = np.array(list(itertools.permutations(range(n), 2)))
    token_in, token_out = pairs[:, 0], pairs[:, 1]
    w_in, w_out = weights[token_in], weights[token_out]
    wa_in, wa_out = w_in / (w_in + w_out), w_out / (w_in + w_out)
    p_in, p_out = prices[token_in], prices[token_out]
    r_in, r_out = reserves[token_in], reserves[token_out]
    # SPEC §5: ratio_a = (wa g**e / p)**(1 - wa), other_a = (p / (g**e wa))**wa, e = 1 inbound.
    ratio_in = (wa_in * gamma / p_in) ** (1 - wa_in)
    ratio_out = (wa_out / p_out) ** (1 - wa_out)
    other_in = (p_in / (gamma * wa_in)) ** wa_in
    other_out = (p_out / wa_out) ** wa_out
    constant = r_in**wa_in * r_out**wa_out
    trades = np.zeros((len(pairs), n), dtype=np.longdouble)
    rows = np.arange(len(pairs))
    trades[rows, token_in] = (constant * ratio_in * other_out - r_in) / gamma
    trades[rows, token_out] = constant * ratio_out * other_in - r_out

    after = reserves + trades
    charged = reserves + trades * np.where(trades > 0, gamma, 1)
    before_invariant = np.prod(reserves**weights)
    # A trade leaving a reserve non-positive is invalid whatever its invariant (abs() only
    # keeps its power real).
    after_invariant = np.prod(np.abs(charged) ** weights, axis=1)
    valid = np.all(after > 0, axis=1) & (
        after_invariant - before_invariant >= -INVARIANT_TOLERANCE * before_invariant
    )
    return trades, valid, -(trades * prices).sum(axis=1)


def oracle_phase(reserves, weights, prices, gamma, gas_cost, arb_fees):
    """One arbitrage phase (SPEC §5) in `longdouble`: the reserves after it."""
    trades, valid, profits = oracle_candidates(reserves, weights, prices, gamma)
    if not valid.any():
        return reserves
    best = int(np.argmax(np.where(valid, profits, -np.inf)))
    trade = trades[best]
    if profits[best] - gas_cost >= 0.5 * arb_fees * np.sum(np.abs(trade) * prices):
        return reserves + trade
    return reserves


def oracle_reserves(weights, prices, *, fees, gas_cost, arb_fees, initial_pool_value):
    """Reserves after each minute's two phases (SPEC §5), `(rows, n)` in `longdouble`.

    Row `t` of `weights` is in force at minute `t` of the bout and `prices[t]` is its price;
    phase A uses the previous minute's weights (the first minute's at the start), phase B
    the minute's own. Starts from `R = w[0] * V0 / p[0]`.
    """
    weights = np.asarray(weights, dtype=np.longdouble)
    prices = np.asarray(prices, dtype=np.longdouble)
    gamma = 1 - np.longdouble(fees)
    gas_cost, arb_fees = np.longdouble(gas_cost), np.longdouble(arb_fees)
    reserves = weights[0] * np.longdouble(initial_pool_value) / prices[0]
    previous = weights[0]
    path = np.empty_like(prices)
    for t in range(len(prices)):
        for phase_weights in (previous, weights[t]):
            reserves = oracle_phase(reserves, phase_weights, prices[t], gamma, gas_cost, arb_fees)
        previous = weights[t]
        path[t] = reserves
    return path


def scenario_oracle(scenario):
    """The oracle's `(reserves, values)` for a golden scenario, from its stored weights."""
    settings = scenario.settings
    start, rows = scenario.start_index, int(settings["bout_length"]) - 1
    prices = scenario.prices[start : start + rows]
    reserves = oracle_reserves(
        scenario.expected["weights"],
        prices,
        fees=settings["fees"],
        gas_cost=settings["gas_cost"],
        arb_fees=settings["arb_fees"],
        initial_pool_value=settings["initial_pool_value"],
    )
    values = np.sum(reserves * np.asarray(prices, np.longdouble), axis=1)
    return reserves, values
