"""Discovery of N boards advertised on loopback: seconds until all are listed.

The adverts are registered concurrently on one responder (as 100 real boards
would answer concurrently); the browse is the same code `classboard provision
discover` runs. Traffic stays on the 127.0.0.1 interface.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provisioning.mdns import Advertiser, BoardAdvert, discover  # noqa: E402


async def advertise(n: int):
    from zeroconf import IPVersion
    from zeroconf.asyncio import AsyncZeroconf

    azc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    infos = [Advertiser._info(BoardAdvert(f"cb-bench{i:04d}", "unclaimed", f"R{i:03d}", f"{i:04x}",
                                          ("127.0.0.1",), 8080)) for i in range(n)]
    tasks = await asyncio.gather(*(azc.async_register_service(info) for info in infos))
    await asyncio.gather(*tasks)
    return azc, infos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--boards", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="5 boards, 20 s at most (what CI runs)")
    args = parser.parse_args()
    if args.quick:
        args.boards, args.timeout = min(args.boards, 5), min(args.timeout, 20.0)
    loop = asyncio.new_event_loop()
    start = time.perf_counter()
    azc, infos = loop.run_until_complete(advertise(args.boards))
    registered = time.perf_counter() - start
    start = time.perf_counter()
    # the responder answers from this event loop, so browse from a worker thread meanwhile
    found = loop.run_until_complete(loop.run_in_executor(
        None, lambda: discover(args.timeout, interfaces=["127.0.0.1"], expect=args.boards)))
    listed = time.perf_counter() - start
    print(f"boards advertised           {args.boards} (registered in {registered:.1f} s)")
    print(f"boards listed               {len(found)}")
    print(f"seconds until all listed    {listed:.2f}" if len(found) >= args.boards
          else f"not all listed within {args.timeout:.0f} s")
    loop.run_until_complete(azc.async_close())
    print(json.dumps({"bench": "discovery", "boards": args.boards, "listed": len(found),
                      "registered_s": round(registered, 3),
                      "all_listed_s": round(listed, 3) if len(found) >= args.boards else None}))


if __name__ == "__main__":
    main()
