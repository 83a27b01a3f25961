#!/usr/bin/env python3
"""tunpair.py NAME_A NAME_B SECONDS: two tun devices (IFF_TUN, no link header) joined by
this process, which copies every IP packet read from one into the other for SECONDS, then
exits (the devices go with it). Tests move the devices into their namespaces and use the
pair as a header-less link (as a wireguard or ipip tunnel is). Prints "ready" once both
exist, and at exit how many packets it carried each way."""
import fcntl, os, select, struct, sys, time

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    a, b, secs = tun(sys.argv[1]), tun(sys.argv[2]), float(sys.argv[3])
    peer, count = {a: b, b: a}, {a: 0, b: 0}
    print("ready", flush=True)
    end = time.monotonic() + secs
    while (left := end - time.monotonic()) > 0:
        for fd in select.select([a, b], [], [], min(left, 0.5))[0]:
            for _ in range(256):
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                try:
                    os.write(peer[fd], pkt)
                    count[fd] += 1
                except OSError:
                    pass  # the other side is down or full: a drop, as on a link
    print(f"a->b {count[a]} b->a {count[b]}", flush=True)


if __name__ == "__main__":
    main()
