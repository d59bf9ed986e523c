"""Packing participants' quotes and orders into engine commands: kernels agree with twins."""

from __future__ import annotations

import numpy as np

from mmdesk.sim._pack import pack_orders, pack_orders_python, pack_quotes, pack_quotes_python
from mmdesk.venue.commands import COMMAND_DTYPE, CommandKind
from mmdesk.venue.participant import TIF_DAY, TIF_FOK, TIF_IOC, make_orders, make_quotes


def test_pack_kernels_agree_with_their_twins(rng: np.random.Generator) -> None:
    q = make_quotes(rng.integers(1, 50, 30), rng.integers(1, 900, 30), 5, 1000, 7,
                    owner=rng.choice([-1, 4, 5], 30))  # fmt: skip
    o = make_orders(rng.integers(0, 50, 20), rng.choice([-1, 1], 20), 300, 3,
                    TIF_IOC, client_id=np.arange(20), owner=rng.choice([-1, 6], 20))  # fmt: skip
    o["tif"][:5] = TIF_DAY
    o["tif"][5:8] = TIF_FOK
    outs = []
    for pq, po in ((pack_quotes, pack_orders), (pack_quotes_python, pack_orders_python)):
        out = np.zeros(60, dtype=COMMAND_DTYPE)
        pq(q["owner"], q["instrument"], q["bid"], q["bid_qty"], q["ask"], q["ask_qty"], 9, 2,
           out["kind"], out["owner"], out["instrument"], out["price"], out["qty"],
           out["price2"], out["qty2"])  # fmt: skip
        po(o["owner"], o["instrument"], o["side"], o["tif"], o["price"], o["qty"],
           o["client_id"], 9, 32, out["kind"], out["owner"], out["instrument"], out["side"],
           out["price"], out["qty"], out["client_id"])  # fmt: skip
        outs.append(out)
    np.testing.assert_array_equal(outs[0], outs[1])
    out = outs[0]
    assert np.all(out["kind"][2:32] == CommandKind.QUOTE)
    assert out["owner"][2:32].tolist() == np.where(q["owner"] < 0, 9, q["owner"]).tolist()
    kinds = out["kind"][32:52]
    assert np.all(kinds[:5] == CommandKind.LIMIT) and np.all(kinds[5:8] == CommandKind.FOK)
    assert np.all(kinds[8:] == CommandKind.IOC)
    assert out["client_id"][32:52].tolist() == list(range(20))
