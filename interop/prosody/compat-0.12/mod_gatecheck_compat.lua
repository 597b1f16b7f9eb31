-- gatecheck interop: per-connection and API shims for Prosody 0.12.x (see prelude.lua for the
-- library shims loaded with the config). start.sh enables this module only on 0.12.x, and each
-- shim checks that the API is really missing first.
--
-- As with prelude.lua, every shim adds an API Prosody trunk gained after 0.12 that a module from the
-- 2023 prosody-modules calls; the shims make no protocol decision of their own.

-- Shim D: connection methods ssl_info(), ssl_peerfinished(), ssl_exportkeyingmaterial()
-- mod_sasl2 (code since 2022-09) calls them on origin.conn while building <stream:features/> to decide
-- which channel bindings to offer. They exist in trunk's net.server since 2022-04 ("net: isolate
-- LuaSec-specifics"); on 0.12.3 the stream-features handler throws, so no features at all are sent
-- after STARTTLS. Adds: the three methods, each forwarding to the LuaSec socket's info(),
-- getpeerfinished() and exportkeyingmaterial() (nil where LuaSec lacks one, as trunk does).
local function add_ssl_methods(conn)
	local mt = getmetatable(conn)
	local methods = mt and mt.__index
	if type(methods) ~= "table" or methods.ssl_info then return end
	function methods:ssl_info()
		local sock = self:socket()
		return sock and sock.info and sock:info()
	end
	function methods:ssl_peerfinished()
		local sock = self:socket()
		return sock and sock.getpeerfinished and sock:getpeerfinished()
	end
	function methods:ssl_exportkeyingmaterial(label, length, context)
		local sock = self:socket()
		return sock and sock.exportkeyingmaterial and sock:exportkeyingmaterial(label, length, context)
	end
	module:log("info", "gatecheck_compat: added ssl_info/ssl_peerfinished/ssl_exportkeyingmaterial to connections")
end

-- Shim E: event.stream in "stream-features"
-- mod_sasl2 passes event.stream on to "advertise-sasl-features", where mod_sasl2_fast reads
-- event.stream.from (the client's stream header 'from') to look up FAST tokens. 0.12's mod_c2s does not
-- put the stream attributes in the event (trunk does since 2022-10), so the handler throws "attempt to
-- index a nil value (field 'stream')". Adds: the client's 'from', captured through util.xmppstream's
-- session:stream_attrs(from, to, attr) callback, which runs when Prosody sends its reply stream header
-- (mod_c2s opens it with to = the client's 'from'), just before the features. The first stream of a
-- connection opens before this callback is set, so it is only known after the first restart; SASL2 is
-- only offered after STARTTLS, so by then it is.

-- Both run at priority 1000, before mod_sasl2's own stream-features handler.
module:hook("stream-features", function(event)
	local session = event.origin
	if session and session.conn then add_ssl_methods(session.conn) end
	if session and not session.stream_attrs then
		session.stream_attrs = function(sess, _, to) sess.gatecheck_stream_from = to end
	end
	if not event.stream then
		event.stream = { from = session and session.gatecheck_stream_from, to = session and session.host }
	end
end, 1000)

-- Shim F: core.usermanager role API (get_user_role, get_jid_role, user_can_assume_role)
-- mod_http_oauth2 (2023-03) filters the scopes a token may carry with trunk's role API (trunk 2022-08).
-- Adds: roles derived from 0.12's admin check ("prosody:admin" for admins, else "prosody:user").
-- Only reached on OAuth2 authorize/token grants, not on client registration.
local usermanager = require "core.usermanager"
if not usermanager.get_user_role then
	local function role_of(username, host)
		local admin = usermanager.is_admin and usermanager.is_admin(username .. "@" .. host, host)
		return { name = admin and "prosody:admin" or "prosody:user" }
	end
	usermanager.get_user_role = role_of
	usermanager.get_jid_role = function() return { name = "prosody:user" } end
	usermanager.user_can_assume_role = function(username, host, role)
		return role == "prosody:user" or role == role_of(username, host).name
	end
	module:log("info", "gatecheck_compat: added get_user_role/get_jid_role/user_can_assume_role")
end
