"""partitions.sh's reference: MB (1e6 bytes) written in 16 KiB pieces to
FILES files in DIR, a piece to each file per round, with each round's files
fdatasynced in parallel (64 threads); prints MB/s.
Usage: fsync_files.py DIR FILES MB"""
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor

PIECE = 16384
directory, files, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shutil.rmtree(directory, ignore_errors=True)
os.makedirs(directory)
piece = os.urandom(PIECE)
fds = [os.open(f"{directory}/{i}", os.O_WRONLY | os.O_CREAT, 0o644) for i in range(files)]
rounds = max(1, mb * 1_000_000 // (PIECE * files))
with ThreadPoolExecutor(64) as pool:
    start = time.monotonic()
    for r in range(rounds):
        for fd in fds:
            os.pwrite(fd, piece, r * PIECE)
        list(pool.map(os.fdatasync, fds))
    seconds = time.monotonic() - start
print(f"{rounds * files * PIECE / seconds / 1e6:.1f}")
shutil.rmtree(directory)
