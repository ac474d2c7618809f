"""Run by test_reliability: records usage and syncs in a loop until killed."""
import sys
import time

from edge.board import Board
from edge.config import load_config
from edge.services.usage import Activity
from edge.sync.service import SyncService


def main(data_dir: str, hub_url: str, token: str, rounds: int) -> None:
    config = load_config(paths=[], env={"CLASSBOARD_BOARD__DATA_DIR": data_dir, "CLASSBOARD_HUB__URL": hub_url,
                                        "CLASSBOARD_HUB__ENROLLMENT_TOKEN": token, "CLASSBOARD_HUB__ROOM": "R101",
                                        "CLASSBOARD_HUB__BATCH_SIZE": "37"})
    board = Board(config)
    sync = SyncService(board)
    for i in range(rounds):
        board.usage.record_many([Activity("checkin", "student", "C101", 0, {"i": i, "j": j}) for j in range(5)])
        try:
            sync.cycle(max_batches=3)
        except Exception:  # the hub may be mid-restart or the proxy hostile: go on, like the real loop
            time.sleep(0.01)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
