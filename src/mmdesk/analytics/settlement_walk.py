"""Walk an end-of-day chain into its expiries: the pin model's top strikes per date vs settlement.

For every quote date before an expiry, only that date's rows are read (spot,
open interest, implied vols: :func:`~mmdesk.analytics.chain_snapshot.chain_snapshot`);
the pin model (:func:`~mmdesk.analytics.pinning.pin_ranking`) ranks the strikes
near spot by the probability of settling within half a strike spacing of them.
The settlement is read afterwards from the expiry date's rows: for PM-settled
SPXW the expiry day's SPX close is the settlement value (the file's
``underlying_last`` on the expiry date; a proxy, not the official SET print).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmdesk.analytics.chain_snapshot import ChainSnapshot, as_day, chain_snapshot
from mmdesk.analytics.gex import DEFAULT_MULTIPLIER, DealerPosition, dealer_contracts
from mmdesk.analytics.pinning import pin_ranking
from mmdesk.market.chain import OptionChain
from mmdesk.typing import Float64Array

#: Default price elasticity E (fraction of price moved by trading one ADV).
DEFAULT_ELASTICITY = 0.1
#: Default ADV of the SPX hedge complex in index units (ES + SPY notional / SPX level, 2018).
DEFAULT_SPX_ADV = 9.0e7
#: Candidate strikes lie within this many standard deviations (σ√t·S) of spot.
CANDIDATE_SD = 2.5
#: Hedgers' strikes lie within this many standard deviations (or 2%) of spot.
HEDGER_SD = 3.0


@dataclass(frozen=True)
class WalkRow:
    """One quote date's pin ranking for one expiry.

    Attributes
    ----------
    expiry, date : datetime64[D]
    spot : float
        Underlying price of ``date`` (currency).
    days : float
        Calendar days to settlement.
    vol : float
        At-the-money implied vol of the expiry on ``date`` (annualised).
    band : float
        Half-width of the pin band, currency (half the strike spacing near spot).
    top_strikes, top_probability, top_control : tuple of float
        The most likely pin strikes, their probability with hedging impact and
        without it (E = 0).
    nearest_strikes : tuple of float
        The same number of strikes nearest to spot (the naive benchmark).
    """

    expiry: np.datetime64
    date: np.datetime64
    spot: float
    days: float
    vol: float
    band: float
    top_strikes: tuple[float, ...]
    top_probability: tuple[float, ...]
    top_control: tuple[float, ...]
    nearest_strikes: tuple[float, ...]


def strike_hedger_shares(
    snapshot: ChainSnapshot, assumption: DealerPosition, multiplier: float
) -> tuple[Float64Array, Float64Array]:
    """Net dealer option holdings per strike (calls + puts), shares: (strikes, shares)."""
    contracts = dealer_contracts(snapshot.is_call, snapshot.open_interest, assumption=assumption)
    strikes, inverse = np.unique(snapshot.strike, return_inverse=True)
    shares = np.bincount(inverse, weights=contracts * multiplier, minlength=strikes.size)
    return strikes, shares.astype(np.float64)


def walk_row(
    snapshot: ChainSnapshot,
    expiry: np.datetime64,
    *,
    assumption: DealerPosition = DealerPosition.CONVENTION,
    elasticity: float = DEFAULT_ELASTICITY,
    adv: float = DEFAULT_SPX_ADV,
    multiplier: float = DEFAULT_MULTIPLIER,
    n_paths: int = 1000,
    n_steps: int = 50,
    seed: int = 0,
    top_n: int = 3,
) -> WalkRow:
    """Pin ranking for ``expiry`` from one date's snapshot (nothing else is read).

    The seed is spawned from ``seed`` and the quote date, so a row depends
    only on its own date's data.
    """
    snap = snapshot.for_expiry(expiry)
    if snap.strike.size == 0:
        raise ValueError(f"expiry {expiry} has no live options on {snapshot.date}")
    spot = snap.spot
    t = float(np.median(snap.t))
    vol = snap.atm_vol(expiry)
    sd = spot * vol * np.sqrt(t)
    strikes, shares = strike_hedger_shares(snap, assumption, multiplier)
    dist = np.abs(strikes - spot)
    hedgers = (dist <= max(HEDGER_SD * sd, 0.02 * spot)) & (shares != 0.0)
    near = np.argsort(dist, kind="stable")
    cand = strikes[dist <= CANDIDATE_SD * sd]
    if cand.size < 2 * top_n:
        cand = strikes[np.sort(near[: 2 * top_n])]
    spacing = float(np.median(np.diff(np.sort(cand))))
    band = 0.5 * spacing
    day = int(snapshot.date.astype("datetime64[D]").astype(np.int64))
    ranking = pin_ranking(
        spot,
        strikes[hedgers],
        shares[hedgers],
        t,
        vol,
        elasticity=elasticity,
        adv=adv,
        band=band,
        candidates=cand,
        n_paths=n_paths,
        n_steps=n_steps,
        seed=np.random.SeedSequence(seed, spawn_key=(day,)),
    )
    return WalkRow(
        expiry=as_day(expiry),
        date=snapshot.date,
        spot=spot,
        days=t * 365.0,
        vol=vol,
        band=band,
        top_strikes=tuple(float(x) for x in ranking.strike[:top_n]),
        top_probability=tuple(float(x) for x in ranking.probability[:top_n]),
        top_control=tuple(float(x) for x in ranking.control_probability[:top_n]),
        nearest_strikes=tuple(float(x) for x in strikes[near[:top_n]]),
    )


def settlement_price(chain: OptionChain, expiry: np.datetime64) -> float:
    """Underlying price on the expiry date (SPXW PM settlement proxy); NaN if not in the chain."""
    rows = chain.for_date(as_day(expiry))
    price = rows.underlying_price[np.isfinite(rows.underlying_price)]
    return float(np.median(price)) if price.size else float("nan")


@dataclass(frozen=True)
class ExpiryWalk:
    """Every date's row for one expiry and where it settled."""

    expiry: np.datetime64
    settlement: float
    rows: tuple[WalkRow, ...]

    def hits(self) -> tuple[int, int]:
        """Dates whose top strikes / nearest strikes had the settlement within the band."""
        model = sum(
            any(abs(self.settlement - k) <= r.band for k in r.top_strikes) for r in self.rows
        )
        naive = sum(
            any(abs(self.settlement - k) <= r.band for k in r.nearest_strikes) for r in self.rows
        )
        return int(model), int(naive)


def settlement_walk(
    chain: OptionChain,
    *,
    assumption: DealerPosition = DealerPosition.CONVENTION,
    elasticity: float = DEFAULT_ELASTICITY,
    adv: float = DEFAULT_SPX_ADV,
    multiplier: float = DEFAULT_MULTIPLIER,
    n_paths: int = 1000,
    n_steps: int = 50,
    seed: int = 0,
    top_n: int = 3,
) -> list[ExpiryWalk]:
    """For each expiry, each quote date before it: top pin strikes from that date only.

    Parameters
    ----------
    chain : OptionChain
        End-of-day chain with open interest and the underlying price per date.
    assumption : DealerPosition
        Hedgers' side of the open interest (CONVENTION: long calls, short puts).
    elasticity, adv : float
        Price impact: ``ΔS/S = elasticity · Q / adv`` for Q shares (index units).
    multiplier : float
        Units of underlying per contract.
    n_paths, n_steps, seed, top_n : int
        Monte Carlo size, seed, and how many strikes to keep per date.

    Returns
    -------
    list of ExpiryWalk
        One per expiry, rows in date order.
    """
    out = []
    for expiry in chain.expiries():
        dates = chain.for_expiry(expiry).quote_dates()
        rows = []
        for date in dates[dates < expiry]:  # tens of dates, each one Monte Carlo run
            snap = chain_snapshot(chain.for_expiry(expiry), date)
            rows.append(
                walk_row(
                    snap,
                    expiry,
                    assumption=assumption,
                    elasticity=elasticity,
                    adv=adv,
                    multiplier=multiplier,
                    n_paths=n_paths,
                    n_steps=n_steps,
                    seed=seed,
                    top_n=top_n,
                )
            )
        out.append(
            ExpiryWalk(expiry=expiry, settlement=settlement_price(chain, expiry), rows=tuple(rows))
        )
    return out
