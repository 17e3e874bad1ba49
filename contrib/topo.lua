-- Wireshark dissector for the frames topo's node agents send each other
-- (the format is documented in node/internal/frame/doc.go). It decodes UDP datagrams
-- and TCP streams on the agents' port (7000 unless a topology says
-- otherwise: Edit > Preferences > Protocols > TOPO, or -o topo.port:N):
-- kind, message id, origin, destination, next hop, path, receipts and the
-- sealed trailer.
--
--   wireshark -X lua_script:contrib/topo.lua capture.pcapng
--   topo capture hub spoke1 -w - | wireshark -X lua_script:contrib/topo.lua -k -i -
--   tshark -X lua_script:contrib/topo.lua -r capture.pcapng -Y topo -V
--
-- Or copy the file into Wireshark's personal Lua plugins folder (Help >
-- About Wireshark > Folders) to load it always.

local topo = Proto("topo", "topo node agent frame")

local kinds = { [1] = "data", [2] = "receipt", [3] = "hello", [4] = "token",
                [5] = "greeting", [6] = "bye", [7] = "ack" }

local F = topo.fields
F.version  = ProtoField.uint8("topo.version", "Version")
F.kind     = ProtoField.uint8("topo.kind", "Kind", base.DEC, kinds)
F.flags    = ProtoField.uint8("topo.flags", "Flags", base.HEX)
F.want     = ProtoField.bool("topo.flags.want_receipt", "Wants a receipt", 8, nil, 0x01)
F.deliv    = ProtoField.bool("topo.flags.delivered", "Delivered", 8, nil, 0x02)
F.sealed   = ProtoField.bool("topo.flags.sealed", "Sealed", 8, nil, 0x04)
F.quiet    = ProtoField.bool("topo.flags.quiet", "Quiet (burst)", 8, nil, 0x08)
F.ttl      = ProtoField.uint8("topo.ttl", "TTL")
F.id       = ProtoField.uint64("topo.id", "Message id")
F.ref      = ProtoField.uint64("topo.ref", "Ref")
F.sent     = ProtoField.string("topo.sent", "Sent")
F.src      = ProtoField.string("topo.src", "Origin")
F.dst      = ProtoField.string("topo.dst", "Destination")
F.nexthop  = ProtoField.string("topo.nexthop", "Next hop")
F.path     = ProtoField.string("topo.path", "Path")
F.origsent = ProtoField.string("topo.receipt.orig_sent", "Original sent")
F.at       = ProtoField.string("topo.receipt.at", "Delivered or dropped at")
F.reason   = ProtoField.string("topo.receipt.reason", "Reason")
F.origpath = ProtoField.string("topo.receipt.orig_path", "Original path")
F.plen     = ProtoField.uint32("topo.payload_len", "Payload length")
F.payload  = ProtoField.bytes("topo.payload", "Payload")
F.text     = ProtoField.string("topo.text", "Payload text")
F.seq      = ProtoField.uint64("topo.seal.seq", "Sequence number")
F.proof    = ProtoField.bytes("topo.seal.proof", "Proof")
F.length   = ProtoField.uint32("topo.length", "Length (TCP)")

local E = topo.experts
E.malformed = ProtoExpert.new("topo.malformed", "Malformed topo frame", expert.group.MALFORMED, expert.severity.ERROR)

topo.prefs.port = Pref.uint("Port", 7000, "The agents' TCP and UDP port")

local TRAILER = 24 -- 8 bytes of sequence number, 16 of proof

-- unix nanoseconds (8 bytes, big-endian) as UTC text
local function nstime(r)
  local ns = r:uint64()
  local sec = (ns / 1000000000):tonumber()
  local frac = (ns % 1000000000):tonumber()
  return string.format("%s.%09dZ", os.date("!%Y-%m-%dT%H:%M:%S", sec), frac)
end

-- reads a string (one length byte, then the bytes) at off; returns its
-- range, its text and the offset after it, or nil past the end
local function str(buf, off)
  if off + 1 > buf:len() then return nil end
  local n = buf(off, 1):uint()
  if off + 1 + n > buf:len() then return nil end
  if n == 0 then return buf(off, 1), "", off + 1 end
  return buf(off, 1 + n), buf(off + 1, n):string(), off + 1 + n
end

-- reads a path (one count byte, then that many strings)
local function path(buf, off)
  if off + 1 > buf:len() then return nil end
  local n = buf(off, 1):uint()
  local start, names = off, {}
  off = off + 1
  for _ = 1, n do
    local _, s, nxt = str(buf, off)
    if not nxt then return nil end
    names[#names + 1] = s
    off = nxt
  end
  return buf(start, off - start), table.concat(names, " > "), off
end

-- dissects one frame in buf (exactly its bytes); returns a summary
local function frame(buf, pinfo, tree)
  local t = tree:add(topo, buf())
  local function bad(what)
    t:add_proto_expert_info(E.malformed, what)
    return "malformed: " .. what
  end
  if buf:len() < 28 then return bad("shorter than its header") end
  local kind = buf(1, 1):uint()
  local flags = buf(2, 1):uint()
  t:add(F.version, buf(0, 1))
  t:add(F.kind, buf(1, 1))
  local ft = t:add(F.flags, buf(2, 1))
  ft:add(F.want, buf(2, 1)); ft:add(F.deliv, buf(2, 1))
  ft:add(F.sealed, buf(2, 1)); ft:add(F.quiet, buf(2, 1))
  t:add(F.ttl, buf(3, 1))
  t:add(F.id, buf(4, 8))
  t:add(F.ref, buf(12, 8))
  t:add(F.sent, buf(20, 8), nstime(buf(20, 8)))
  local off, names = 28, {}
  for i, f in ipairs({ F.src, F.dst, F.nexthop }) do
    local r, s, nxt = str(buf, off)
    if not nxt then return bad("a name runs past the end") end
    t:add(f, r, s)
    names[i] = s
    off = nxt
  end
  local pr, ps, nxt = path(buf, off)
  if not nxt then return bad("the path runs past the end") end
  t:add(F.path, pr, ps)
  off = nxt
  local reason = ""
  if kind == 2 then
    if off + 16 > buf:len() then return bad("the receipt runs past the end") end
    t:add(F.origsent, buf(off, 8), nstime(buf(off, 8)))
    t:add(F.at, buf(off + 8, 8), nstime(buf(off + 8, 8)))
    local rr, rs, rn = str(buf, off + 16)
    if not rn then return bad("the reason runs past the end") end
    t:add(F.reason, rr, rs)
    reason = rs
    local opr, ops, opn = path(buf, rn)
    if not opn then return bad("the original path runs past the end") end
    t:add(F.origpath, opr, ops)
    off = opn
  end
  if off + 4 > buf:len() then return bad("no payload length") end
  local plen = buf(off, 4):uint()
  t:add(F.plen, buf(off, 4))
  off = off + 4
  if off + plen > buf:len() then return bad("the payload runs past the end") end
  if plen > 0 then
    t:add(F.payload, buf(off, plen))
    t:add(F.text, buf(off, plen), buf(off, plen):string())
  end
  off = off + plen
  if bit32.band(flags, 0x04) ~= 0 then
    if off + TRAILER > buf:len() then return bad("the sealed trailer runs past the end") end
    t:add(F.seq, buf(off, 8))
    t:add(F.proof, buf(off + 8, 16))
    off = off + TRAILER
  end
  if off ~= buf:len() then return bad("trailing bytes") end
  local k = kinds[kind] or ("type " .. kind)
  t:append_text(string.format(", %s %s, %s → %s", k, buf(4, 8):uint64(), names[1], names[2]))
  local s = string.format("%s id=%s %s → %s", k, buf(4, 8):uint64(), names[1], names[2])
  if kind == 2 then
    s = s .. string.format(" ref=%s %s", buf(12, 8):uint64(), reason ~= "" and reason or "delivered")
  elseif kind == 7 then
    s = s .. string.format(" ref=%s", buf(12, 8):uint64()) -- the id of the data frame acked
  end
  return s
end

local function set_info(pinfo, parts)
  pinfo.cols.protocol = "TOPO"
  pinfo.cols.info = table.concat(parts, "; ")
end

-- UDP: a datagram holds exactly one frame
local function dissect_udp(buf, pinfo, tree)
  set_info(pinfo, { frame(buf, pinfo, tree) })
  return buf:len()
end

-- TCP: each frame follows its length as a big-endian uint32
local function dissect_tcp(buf, pinfo, tree)
  local off, parts = 0, {}
  while off < buf:len() do
    if buf:len() - off < 4 then
      pinfo.desegment_offset = off
      pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
      break
    end
    local n = buf(off, 4):uint()
    if buf:len() - off - 4 < n then
      pinfo.desegment_offset = off
      pinfo.desegment_len = 4 + n - (buf:len() - off)
      break
    end
    tree:add(F.length, buf(off, 4))
    parts[#parts + 1] = frame(buf(off + 4, n):tvb(), pinfo, tree)
    off = off + 4 + n
  end
  if #parts > 0 then set_info(pinfo, parts) end
  return buf:len()
end

topo.dissector = dissect_udp
local udp_proto = topo
local tcp_proto = Proto("topo_tcp", "topo over TCP (length-prefixed frames)")
tcp_proto.dissector = dissect_tcp

local registered
local function register()
  if registered then
    DissectorTable.get("udp.port"):remove(registered, udp_proto)
    DissectorTable.get("tcp.port"):remove(registered, tcp_proto)
  end
  registered = topo.prefs.port
  DissectorTable.get("udp.port"):add(registered, udp_proto)
  DissectorTable.get("tcp.port"):add(registered, tcp_proto)
end
topo.prefs_changed = register
register()
