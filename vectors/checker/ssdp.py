"""Independent XEP-0474 downgrade-protection hash check (0.5.0 h= form and legacy 0.3 d= form)."""
import base64
import hashlib
import hmac

ALGORITHMS = {"XEP-0474"}
_HASH = {"SHA-1": hashlib.sha1, "SHA-256": hashlib.sha256, "SHA-512": hashlib.sha512}


def compute(form, hash_name, mechanisms, cb_types):
    """Returns (hash input bytes, base64 value) per XEP-0474 section 6.1 (form 'h') or 0.3.1 (form 'd')."""
    mechs = sorted(m.encode("utf-8") for m in mechanisms)
    cbs = sorted(c.encode("utf-8") for c in cb_types)
    item_sep, list_sep = (b"\x1e", b"\x1f") if form == "h" else (b",", b"|")
    data = item_sep.join(mechs)
    if cbs:
        data = data + list_sep + item_sep.join(cbs)
    return data, base64.b64encode(_HASH[hash_name](data).digest()).decode("ascii")


def check(group, t):
    """Valid: input and value recompute exactly. Invalid: the stated value must NOT verify."""
    data, value = compute(group["form"], group["hash"], t["mechanisms"], t["cbTypes"])
    matches = hmac.compare_digest(value.encode(), t["value"].encode())
    if t["result"] == "valid":
        errs = []
        if data.hex() != t["hashInput"]:
            errs.append(f"hashInput: computed {data.hex()}")
        if not matches:
            errs.append(f"value: computed {value}")
        return errs
    return ["invalid value verifies"] if matches else []
