-- gatecheck interop: library shims for Prosody 0.12.x, for the 2023 prosody-modules snapshot.
--
-- Loaded by the generated config with RunScript, so it runs once when the config is read (in both
-- prosody and prosodyctl), before any module loads. start.sh only includes it when the installed
-- Prosody is 0.12.x, and each shim below also checks that the API is really missing, so on a Prosody
-- that has it nothing is changed.
--
-- Every shim adds an API that Prosody trunk gained after 0.12 and that a module from the Debian 12
-- prosody-modules (2023-02-23) or mod_http_oauth2 (2023-03) calls. None changes what goes over the
-- wire: without them those modules throw a Lua error instead of answering, so there is no Prosody
-- protocol behaviour to preserve; with them, the module's own code decides every reply.

-- Shim A: util.stanza's stanza:get_child_attr(name, xmlns, attr)
-- Added in trunk 2022-08-17. mod_sasl2_fast reads the <user-agent id='...'/> of <authenticate/> with it;
-- on 0.12 the <authenticate/> handler throws and the client gets no reply at all.
-- Adds: the same lookup 0.12 can already do with get_child() and .attr.
local ok_stanza, stanza = pcall(require, "util.stanza")
if ok_stanza and stanza.stanza_mt and not stanza.stanza_mt.get_child_attr then
	function stanza.stanza_mt:get_child_attr(name, xmlns, attr)
		local child = self:get_child(name, xmlns)
		return child and child.attr[attr] or nil
	end
end

-- Shim B: util.datetime accepting non-integer timestamps
-- mod_sasl2_fast keeps token times from util.time.now() (a float) and formats the <token expiry='...'/>
-- with util.datetime.datetime(). 0.12 hands the float to os.date, which under Lua 5.3/5.4 raises
-- "number has no integer representation", so the SASL2 success handler aborts and the client never
-- sees <success/>. Trunk (2022-08) formats fractional seconds as ...SS.ffffffZ; this does the same
-- and leaves integer timestamps to the original functions.
local ok_dt, datetime = pcall(require, "util.datetime")
if ok_dt and not pcall(datetime.datetime, 0.5) then
	local orig = { datetime = datetime.datetime, date = datetime.date, time = datetime.time, legacy = datetime.legacy }
	local function whole(t) return t and math.floor(t) end
	local function micros(t) return string.format("%06d", math.floor((t - math.floor(t)) * 1000000)) end
	datetime.datetime = function(t)
		if t == nil or t % 1 == 0 then return orig.datetime(whole(t)) end
		return (orig.datetime(math.floor(t)):gsub("Z$", "." .. micros(t) .. "Z"))
	end
	datetime.time = function(t)
		if t == nil or t % 1 == 0 then return orig.time(whole(t)) end
		return orig.time(math.floor(t)) .. "." .. micros(t)
	end
	datetime.date = function(t) return orig.date(whole(t)) end
	datetime.legacy = function(t) return orig.legacy(whole(t)) end
end

-- Shim C: util.jwt.init(algorithm, private_key, public_key, options), HS256 only
-- 0.12's util.jwt has only sign(key, payload) and verify(key, token) for HS256. mod_http_oauth2 (2023-03)
-- gets its signer/verifier pair from init(), which exists only in trunk (2022-07 on). This builds that
-- pair on the 0.12 primitives with trunk's claim handling: iat/exp filled in on signing (default_ttl,
-- 3600 s by default), exp checked on verifying unless accept_expired. Only needed with mod_http_oauth2.
local ok_jwt, jwt = pcall(require, "util.jwt")
if ok_jwt and type(jwt) == "table" and not jwt.init then
	jwt.init = function(algorithm, private_key, public_key, options)
		assert(algorithm == "HS256", "gatecheck's 0.12 jwt shim supports HS256 only, not " .. tostring(algorithm))
		assert(type(private_key) == "string", "HS256 key must be a string")
		options = options or {}
		local verify_key = public_key or private_key
		local default_ttl = options.default_ttl or 3600
		local function sign(payload)
			local now = os.time()
			payload.iat = payload.iat or now
			payload.exp = payload.exp or (now + default_ttl)
			return jwt.sign(private_key, payload)
		end
		local function verify(token)
			local valid, payload = jwt.verify(verify_key, token)
			if not valid then return valid, payload end
			if type(payload) ~= "table" then return nil, "invalid-payload-type" end
			if not options.accept_expired and payload.exp ~= nil then
				if type(payload.exp) ~= "number" then return nil, "invalid-expiry" end
				if payload.exp < os.time() then return nil, "token-expired" end
			end
			return valid, payload
		end
		return sign, verify
	end
end
