#!/usr/bin/env python3
# nldump.py: write raw rtnetlink dump replies and ethtool string sets of the current
# network namespace to files, for the unit tests to replay. Stdlib only.
# usage: nldump.py OUTDIR [IFNAME...]   (IFNAMEs: devices whose ETHTOOL_GSTRINGS to save)
import ctypes, fcntl, os, socket, struct, sys

RTM_GETLINK, RTM_GETQDISC, RTM_GETSTATS = 18, 38, 94
NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300
IFLA_STATS_LINK_64 = 1

def dump(s, typ, payload, seq):
    s.send(struct.pack("IHHII", 16 + len(payload), typ, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + payload)
    out = b""
    while True:
        d = s.recv(1 << 20)
        out += d
        o = 0
        while o + 16 <= len(d):
            l, t = struct.unpack_from("IH", d, o)
            if t in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
                return out
            o += (l + 3) & ~3

def main():
    outdir = sys.argv[1]
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    s.settimeout(3)
    ifinfo = struct.pack("BxHiII", 0, 0, 0, 0, 0)
    open(os.path.join(outdir, "getlink.bin"), "wb").write(dump(s, RTM_GETLINK, ifinfo, 1))
    stats = struct.pack("BBHiI", 0, 0, 0, 0, 1 << (IFLA_STATS_LINK_64 - 1))
    open(os.path.join(outdir, "getstats.bin"), "wb").write(dump(s, RTM_GETSTATS, stats, 2))
    tcm = struct.pack("BBHiIII", 0, 0, 0, 0, 0, 0, 0)
    open(os.path.join(outdir, "getqdisc.bin"), "wb").write(dump(s, RTM_GETQDISC, tcm, 3))
    # ethtool string sets: SIOCETHTOOL 0x8946, GSSET_INFO 0x37, GSTRINGS 0x1b, ETH_SS_STATS 1
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for ifn in sys.argv[2:]:
        ss = bytearray(struct.pack("IIQI", 0x37, 0, 1 << 1, 0))
        ifr = bytearray(struct.pack("16sP", ifn.encode(), 0) + b"\0" * 16)

        buf = ctypes.create_string_buffer(bytes(ss), len(ss))
        struct.pack_into("P", ifr, 16, ctypes.addressof(buf))
        fcntl.ioctl(u.fileno(), 0x8946, ifr)
        n = struct.unpack_from("I", buf.raw, 16)[0]
        gs = ctypes.create_string_buffer(struct.pack("III", 0x1b, 1, n) + b"\0" * (32 * n))
        struct.pack_into("P", ifr, 16, ctypes.addressof(gs))
        fcntl.ioctl(u.fileno(), 0x8946, ifr)
        open(os.path.join(outdir, "gstrings-%s.bin" % ifn), "wb").write(gs.raw[12:12 + 32 * n])

main()
