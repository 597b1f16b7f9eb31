//! Deliberately broken builds (feature `break-builds`, debug builds only): each [`Break`] is one
//! realistic bug, named after the requirement it violates, that `gatecheck-server serve --break NAME`
//! switches on so CI can prove the suite catches it (`.ci/broken-builds`).
//!
//! The table is data ([`Break::ALL`], [`Break::info`]); a [`BreakSet`] travels with the shared
//! services (the [`crate::module::ModuleRegistry`]) and the contexts built from them, and each
//! injection point is one `if breaks.has(Break::X)`. Without the feature a [`BreakSet`] is always
//! empty and `has` is a constant `false`, so the default build carries no break code paths.

#[cfg(all(feature = "break-builds", not(debug_assertions)))]
compile_error!("the break-builds feature must never be part of a release build");

/// The verdict the suite must give a broken build for it to count as caught.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A MUST is violated: some case must fail.
    Fail,
    /// A SHOULD is violated: some case must warn, which fails only with `--strict`.
    Warn,
}

impl Level {
    /// `fail` or `warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Fail => "fail",
            Level::Warn => "warn",
        }
    }
}

/// One row of the break table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakInfo {
    /// The `--break` name.
    pub name: &'static str,
    /// The requirement id (`conformance/requirements/*.toml`) a catching case must cite.
    pub requirement: &'static str,
    /// The verdict level the suite must give.
    pub level: Level,
    /// What the bug does.
    pub description: &'static str,
}

macro_rules! breaks {
    ($($var:ident = ($name:literal, $req:literal, $level:ident, $desc:literal),)*) => {
        /// A deliberately injected bug (see the module documentation).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Break {
            $(
                #[doc = $desc]
                $var,
            )*
        }

        impl Break {
            /// Every break, in table order.
            pub const ALL: &'static [Break] = &[$(Break::$var),*];

            /// The table row of this break.
            pub fn info(self) -> BreakInfo {
                match self {
                    $(Break::$var => BreakInfo {
                        name: $name,
                        requirement: $req,
                        level: Level::$level,
                        description: $desc,
                    },)*
                }
            }
        }
    };
}

breaks! {
    R1OfferedBeforeTls = ("sasl2-1-offered-before-tls", "SASL2-1", Fail, "SASL2 <authentication/> offered on the plaintext stream before STARTTLS"),
    R2EmptyAuthentication = ("sasl2-2-empty-authentication", "SASL2-2", Fail, "<authentication/> advertised with no <mechanism/> child"),
    R3MechanismNameTooLong = ("sasl2-3-mechanism-name-too-long", "SASL2-3", Fail, "a mechanism name longer than 20 characters (X-OAUTH2-BEARER-TOKEN) advertised"),
    R7UnstableFeatures = ("sasl2-7-unstable-features", "SASL2-7", Warn, "SCRAM-SHA-1 dropped from the features on every other connection"),
    R6ForeignFromAccepted = ("sasl2-6-foreign-from-accepted", "SASL2-6", Warn, "a stream header 'from' of a foreign domain accepted instead of invalid-from"),
    R33PlainOffered = ("sasl2-33-plain-offered", "SASL2-33", Warn, "PLAIN offered in SASL2 on TLS streams"),
    R8PlusWithoutCbFeature = ("sasl2-8-plus-without-cb-feature", "SASL2-8", Fail, "-PLUS mechanisms offered without XEP-0440 <sasl-channel-binding/>"),
    R8PlusWithoutCbFeatureTls12 = ("sasl2-8-plus-without-cb-feature-tls12", "SASL2-8", Fail, "-PLUS offered without <sasl-channel-binding/> on TLS 1.2 only"),
    R119EndPointNotAdvertised = ("sasl2-119-end-point-not-advertised", "SASL2-119", Fail, "tls-server-end-point supported but not listed in <sasl-channel-binding/>"),
    R120CbTypeWithoutAttr = ("sasl2-120-cb-type-without-attr", "SASL2-120", Fail, "an extra <channel-binding/> without a type attribute"),
    R128TlsUniqueAdvertisedOnTls13 = ("sasl2-128-tls-unique-advertised-on-tls13", "SASL2-128", Fail, "tls-unique advertised on TLS 1.3, where it is undefined"),
    R121AdvertisedCbTypeRefused = ("sasl2-121-advertised-cb-type-refused", "SASL2-121", Fail, "advertised channel-binding types refused by SCRAM-PLUS"),
    R115MissingPlusVariant = ("sasl2-115-missing-plus-variant", "SASL2-115", Warn, "SCRAM-SHA-256-PLUS missing while SCRAM-SHA-256 and channel binding are offered"),
    R103ReservedMAccepted = ("sasl2-103-reserved-m-accepted", "SASL2-103", Fail, "reserved m= extension in client-first ignored instead of refused"),
    R101EscapeDecodedLeniently = ("sasl2-101-escape-decoded-leniently", "SASL2-101", Fail, "saslname =XX sequences other than =2C/=3D decoded as hex"),
    R104StaticServerNonce = ("sasl2-104-static-server-nonce", "SASL2-104", Fail, "the same server nonce in every SCRAM exchange"),
    R105NonceNotChecked = ("sasl2-105-nonce-not-checked", "SASL2-105", Fail, "client-final nonce not compared"),
    R105NonceClientPartOnly = ("sasl2-105-nonce-client-part-only", "SASL2-105", Fail, "only the client part of the client-final nonce compared"),
    R108CbindNotCompared = ("sasl2-108-cbind-not-compared", "SASL2-108", Fail, "c= of client-final not compared with the gs2 header and binding data"),
    R109FlagYAccepted = ("sasl2-109-flag-y-accepted", "SASL2-109", Fail, "gs2 flag y accepted although the server offers channel binding"),
    R110UnknownCbTypeUsesExporter = ("sasl2-110-unknown-cb-type-uses-exporter", "SASL2-110", Fail, "an unknown channel-binding type name bound with the first available type"),
    R110TlsUniqueAcceptedOnTls13 = ("sasl2-110-tls-unique-accepted-on-tls13", "SASL2-110", Fail, "p=tls-unique accepted on TLS 1.3 (bound to the exporter bytes)"),
    R130TlsExporterRefusedOnTls13 = ("sasl2-130-tls-exporter-refused-on-tls13", "SASL2-130", Fail, "tls-exporter neither advertised nor accepted on TLS 1.3 while -PLUS is offered"),
    R111EndPointDataNotChecked = ("sasl2-111-end-point-data-not-checked", "SASL2-111", Fail, "channel-binding data not checked for p=tls-server-end-point"),
    R111AnyKnownBindingAccepted = ("sasl2-111-any-known-binding-accepted", "SASL2-111", Fail, "c= accepted if it matches the data of any available binding type"),
    R112ProofNotChecked = ("sasl2-112-proof-not-checked", "SASL2-112", Fail, "SCRAM client proof not verified (any proof for an existing account)"),
    R112ProofNotCheckedLegacy = ("sasl2-112-proof-not-checked-legacy", "SASL2-112", Fail, "SCRAM client proof not verified over RFC 6120 SASL only"),
    R112Sha1ProofNotChecked = ("sasl2-112-sha1-proof-not-checked", "SASL2-112", Fail, "SCRAM-SHA-1 client proof not verified"),
    R113WrongServerSignature = ("sasl2-113-wrong-server-signature", "SASL2-113", Fail, "one bit of the server signature v= flipped"),
    R114UnknownExtensionRejected = ("sasl2-114-unknown-extension-rejected", "SASL2-114", Fail, "unknown client-final extensions refused instead of ignored"),
    R107LowIterations = ("sasl2-107-low-iterations", "SASL2-107", Warn, "SCRAM iteration count below 4096 allowed (test account via GATECHECK_BREAK_ITERATIONS)"),
    R122SsdpSasl2ListOnLegacy = ("sasl2-122-ssdp-sasl2-list-on-legacy", "SASL2-122", Fail, "XEP-0474 h= computed over the SASL2 list on RFC 6120 SASL"),
    R122SsdpWithoutCbTypes = ("sasl2-122-ssdp-without-cb-types", "SASL2-122", Fail, "XEP-0474 h= computed without the channel-binding types"),
    R102UsernameNotSaslprepped = ("sasl2-102-username-not-saslprepped", "SASL2-102", Warn, "SCRAM username not SASLprepped"),
    R9UnadvertisedMechanismAccepted = ("sasl2-9-unadvertised-mechanism-accepted", "SASL2-9", Fail, "a known but unadvertised mechanism (PLAIN) accepted"),
    R9MechanismCaseInsensitive = ("sasl2-9-mechanism-case-insensitive", "SASL2-9", Fail, "mechanism names matched case-insensitively"),
    R24ConditionInWrongNamespace = ("sasl2-24-condition-in-wrong-namespace", "SASL2-24", Fail, "the failure condition put in the wrapper's namespace instead of the SASL namespace"),
    R24TwoConditions = ("sasl2-24-two-conditions", "SASL2-24", Fail, "two conditions in <failure/>"),
    R26InlineCarriedOver = ("sasl2-26-inline-carried-over", "SASL2-26", Fail, "inline requests of a failed attempt carried over into the next attempt"),
    R27NoRetry = ("sasl2-27-no-retry", "SASL2-27", Warn, "stream closed after the first authentication failure"),
    R27OneRetryOnly = ("sasl2-27-one-retry-only", "SASL2-27", Warn, "stream closed after the second authentication failure"),
    R131UnlimitedRetries = ("sasl2-131-unlimited-retries", "SASL2-131", Warn, "never closes the stream however many attempts fail"),
    R31AbortIgnored = ("sasl2-31-abort-ignored", "SASL2-31", Fail, "<abort/> ignored without an answer"),
    R16StanzaMidAuthIgnored = ("sasl2-16-stanza-mid-auth-ignored", "SASL2-16", Fail, "elements other than response/abort during authentication silently ignored"),
    R127CloseWithoutStreamError = ("sasl2-127-close-without-stream-error", "SASL2-16", Fail, "TCP closed without a stream error on an unexpected element during authentication"),
    R30SecondAuthenticateAccepted = ("sasl2-30-second-authenticate-accepted", "SASL2-30", Fail, "a second <authenticate/> after success starts a new authentication"),
    R17WhitespaceDuringAuth = ("sasl2-17-whitespace-during-auth", "SASL2-17", Fail, "a whitespace keepalive sent before each challenge"),
    R14Base64LineBreaks = ("sasl2-14-base64-line-breaks", "SASL2-14", Warn, "base64 in SASL2 challenge and additional-data wrapped every 19 characters"),
    R125MalformedDropped = ("sasl2-125-malformed-dropped", "SASL2-125", Fail, "a malformed <authenticate/> silently dropped"),
    R126ExitOnMalformed = ("sasl2-126-exit-on-malformed", "SASL2-126", Fail, "the server process exits (status 70) on <authenticate/> without mechanism"),
    R125TaskPanicOnOversized = ("sasl2-125-task-panic-on-oversized", "SASL2-125", Fail, "the connection task panics on an oversized SASL payload"),
    R15EmptyIrAsAbsent = ("sasl2-15-empty-ir-as-absent", "SASL2-15", Fail, "an empty <initial-response/> treated as absent"),
    R10AuthzidIgnored = ("sasl2-10-authzid-ignored", "SASL2-10", Fail, "a foreign authorization identity accepted"),
    R10FromNotCompared = ("sasl2-10-from-not-compared", "SASL2-10", Fail, "the authzid not compared with the stream header from"),
    R11AuthzidNotNormalised = ("sasl2-11-authzid-not-normalised", "SASL2-11", Fail, "the authzid compared without JID normalisation"),
    R22NoFeaturesAfterSuccess = ("sasl2-22-no-features-after-success", "SASL2-22", Fail, "no <stream:features/> after SASL2 success"),
    R19BareJidAfterBind = ("sasl2-19-bare-jid-after-bind", "SASL2-19", Fail, "the bare JID reported as authorization identifier after Bind 2"),
    R21BoundMissing = ("sasl2-21-bound-missing", "SASL2-21", Fail, "Bind 2 binds but <bound/> is missing from <success/>"),
    R37Bind2TopLevel = ("sasl2-37-bind2-top-level", "SASL2-37", Fail, "Bind 2 <bind/> advertised as a top-level stream feature"),
    R39ResourceHasUaPrefix = ("sasl2-39-resource-has-ua-prefix", "SASL2-39", Fail, "the Bind 2 resource carries the first 8 hex digits of the user-agent id"),
    R39ResourceIsUaHash = ("sasl2-39-resource-is-ua-hash", "SASL2-39", Fail, "the Bind 2 resource is a hash of the user-agent id"),
    R12ResourceRevealsSoftware = ("sasl2-12-resource-reveals-software", "SASL2-12", Fail, "the Bind 2 resource reveals the user-agent software"),
    R202LegacyAbortWrongCondition = ("sasl2-202-legacy-abort-wrong-condition", "SASL2-202", Fail, "legacy <abort/> answered with malformed-request instead of aborted"),
    R204LegacyEmptyIrAsAbsent = ("sasl2-204-legacy-empty-ir-as-absent", "SASL2-204", Fail, "legacy initial response '=' treated as absent (empty challenge)"),
    Fast6SameToken = ("fast-6-same-token", "FAST-6", Fail, "every <request-token/> of one client answered with the same token"),
    Fast7ExpiryNotDatetime = ("fast-7-expiry-not-datetime", "FAST-7", Fail, "token expiry written as UNIX seconds instead of a XEP-0082 DateTime"),
    Fast8TokenOnFailure = ("fast-8-token-on-failure", "FAST-8", Fail, "a <token/> minted and sent inside <failure/> when <request-token/> was present"),
    Fast10AnyMechanism = ("fast-10-any-mechanism", "FAST-10", Fail, "a token accepted with an HT mechanism other than the one it was requested for"),
    Fast11CbNotChecked = ("fast-11-cb-not-checked", "FAST-11", Fail, "an initiator HMAC over empty channel-binding data accepted for -EXPR/-ENDP"),
    Fast13CountReplayAccepted = ("fast-13-count-replay-accepted", "FAST-13", Warn, "a count at or below the highest processed count for the token accepted (replay; mandated for 0-RTT only, so a warning outside it)"),
    Fast14RotationDropsOld = ("fast-14-rotation-drops-old", "FAST-14", Fail, "rotation invalidates the old token before the new one has been used"),
    Fast15EarlierExpiryKept = ("fast-15-earlier-expiry-kept", "FAST-15", Fail, "using the newer token leaves the older (earlier expiry) token valid"),
    Fast16UnusedKept = ("fast-16-unused-kept", "FAST-16", Warn, "issuing a token keeps the previously issued, never-used token valid"),
    Fast17InvalidateIgnored = ("fast-17-invalidate-ignored", "FAST-17", Fail, "invalidate='true' ignored: the token stays usable"),
    Fast18TokenWithInvalidate = ("fast-18-token-with-invalidate", "FAST-18", Fail, "a new <token/> sent on invalidate without <request-token/>"),
    Fast20ExpiredNotAuthorized = ("fast-20-expired-not-authorized", "FAST-20", Fail, "an expired token answered with not-authorized instead of credentials-expired"),
    Fast20ExpiryNotChecked = ("fast-20-expiry-not-checked", "FAST-20", Fail, "an expired token still accepted"),
    Fast20PasswordChangeIgnored = ("fast-20-password-change-ignored", "FAST-20", Warn, "tokens survive a password change (`user passwd` keeps them, the server does not compare credentials; XEP-0484 implies, not states, that this revokes them)"),
    Fast23ShortToken = ("fast-23-short-token", "FAST-23", Warn, "tokens carry only 48 random bits"),
    Fast24HmacPrefixOnly = ("fast-24-hmac-prefix-only", "FAST-24", Fail, "only the first 16 bytes of the initiator HMAC compared"),
    Fast25WrongResponder = ("fast-25-wrong-responder", "FAST-25", Fail, "one bit of the responder HMAC in <additional-data/> flipped"),
    Fast29AnyUserAgent = ("fast-29-any-user-agent", "FAST-29", Fail, "tokens keyed by account only, so usable from another user-agent id"),
    Inv26TokenReusable = ("inv-26-token-reusable", "INV-26", Fail, "a single-use token is not spent after a successful registration"),
    Inv23FailedRegistrationSpendsToken = ("inv-23-failed-registration-spends-token", "INV-23", Fail, "a failed registration (e.g. conflict) spends the token"),
    Inv25BoundUsernameNotEnforced = ("inv-25-bound-username-not-enforced", "INV-25", Fail, "a username-bound account invite registers any username"),
    Inv25ResetUsernameNotEnforced = ("inv-25-reset-username-not-enforced", "INV-25", Fail, "a reset invite creates an account with another username"),
    Inv27RegistrationWithoutInvite = ("inv-27-registration-without-invite", "INV-27", Fail, "registration without a validated preauth succeeds in invite-only mode"),
    Inv21ExpiredTokenAccepted = ("inv-21-expired-token-accepted", "INV-21", Fail, "an expired token passes preauth"),
    Inv21UnknownTokenAccepted = ("inv-21-unknown-token-accepted", "INV-21", Fail, "any token passes preauth"),
    Inv3CreateAccountNotAdmin = ("inv-3-create-account-not-admin", "INV-3", Fail, "non-admins may run the #create-account ad-hoc command"),
    Inv18NoRosterPush = ("inv-18-no-roster-push", "INV-18", Fail, "the online inviter gets no roster push after a contact-invite registration"),
    Inv19NoMutualSubscription = ("inv-19-no-mutual-subscription", "INV-19", Fail, "contact-invite registration leaves the invitee's roster empty"),
    Pars2PreauthNotApproved = ("pars-2-preauth-not-approved", "PARS-2", Fail, "a valid roster preauth is treated as an ordinary subscription request"),
    Pars3OtherInvitersTokenApproved = ("pars-3-other-inviters-token-approved", "PARS-3", Fail, "a contact token minted by A approves a subscription request sent to B"),
    Pars5TokenReusable = ("pars-5-token-reusable", "PARS-5", Warn, "a roster preauth token approves twice"),
    Ibr9TakenUsernameOverwritten = ("ibr-9-taken-username-overwritten", "IBR-9", Fail, "registering an existing username replaces its password"),
    Ibr17EmptyPasswordAccepted = ("ibr-17-empty-password-accepted", "IBR-17", Fail, "an authenticated password change to an empty password succeeds"),
    Ibr10MissingPasswordAccepted = ("ibr-10-missing-password-accepted", "IBR-10", Fail, "registration without a password creates an account"),
    Ibr25RegisterBeforeTls = ("ibr-25-register-before-tls", "IBR-25", Warn, "<register/> stream features advertised before TLS"),
    Inv8IbrFlagAlways = ("inv-8-ibr-flag-always", "INV-8", Fail, "a non-admin user's contact invite carries ibr=y although allow_user_invites is false"),
    Dcr16FragmentRedirectAccepted = ("dcr-16-fragment-redirect-accepted", "DCR-16", Fail, "a redirect URI with a fragment registers"),
    Dcr16RelativeRedirectAccepted = ("dcr-16-relative-redirect-accepted", "DCR-16", Fail, "a relative redirect URI registers"),
    Dcr70SecretNotHostBound = ("dcr-70-secret-not-host-bound", "DCR-70", Fail, "client_secret = HMAC(registration key, client_id), not keyed by the per-host key"),
    Dcr62TamperedClientIdAccepted = ("dcr-62-tampered-client-id-accepted", "DCR-62", Fail, "the client_id signature is not checked"),
    Dcr62AlgNoneAccepted = ("dcr-62-alg-none-accepted", "DCR-62", Fail, "a client_id with alg none is accepted"),
    Dcr37CodeReusable = ("dcr-37-code-reusable", "DCR-37", Fail, "an authorization code works twice"),
    Dcr41UnknownRedirectRedirected = ("dcr-41-unknown-redirect-redirected", "DCR-41", Fail, "an unregistered redirect_uri gets a 3xx redirect"),
    Dcr52PkceNotRequired = ("dcr-52-pkce-not-required", "DCR-52", Warn, "an authorization request without code_challenge is accepted"),
    Dcr53VerifierNotChecked = ("dcr-53-verifier-not-checked", "DCR-53", Fail, "a wrong code_verifier is accepted"),
    DcrRefreshNotRotated = ("dcr-refresh-not-rotated", "DCR-43", Fail, "the old refresh token keeps working after a refresh"),
    DcrRevokedTokenLogsIn = ("dcr-revoked-token-logs-in", "DCR-81", Fail, "OAUTHBEARER accepts a revoked access token"),
    Dcr15ServerErrorOnMissingField = ("dcr-15-500-on-missing-field", "DCR-15", Fail, "a registration without redirect_uris answers 500"),
    Dcr35NoStoreMissing = ("dcr-35-no-store-missing", "DCR-35", Fail, "token responses lack Cache-Control: no-store"),
    Dcr19SameIdForSameMetadata = ("dcr-19-same-id-for-same-metadata", "DCR-19", Fail, "no nonce: identical metadata gives identical id and secret"),
    Dcr34NoWwwAuthenticate = ("dcr-34-no-www-authenticate", "DCR-34", Fail, "invalid_client over Basic is 400 without WWW-Authenticate"),
    Dcr40StateDropped = ("dcr-40-state-dropped", "DCR-40", Fail, "the redirect after login drops state"),
}

impl Break {
    /// The break called `name`.
    pub fn from_name(name: &str) -> Option<Break> {
        Break::ALL.iter().copied().find(|b| b.info().name == name)
    }
}

/// A set of [`Break`]s; always empty without the `break-builds` feature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BreakSet {
    #[cfg(feature = "break-builds")]
    bits: u128,
}

impl BreakSet {
    /// No breaks: the correct server.
    pub const NONE: BreakSet = BreakSet {
        #[cfg(feature = "break-builds")]
        bits: 0,
    };

    /// Whether `b` is switched on.
    #[inline(always)]
    pub fn has(self, b: Break) -> bool {
        #[cfg(feature = "break-builds")]
        {
            self.bits & (1u128 << (b as u8)) != 0
        }
        #[cfg(not(feature = "break-builds"))]
        {
            let _ = b;
            false
        }
    }

    /// Whether no break is switched on.
    pub fn is_empty(self) -> bool {
        self == BreakSet::NONE
    }

    /// Parses `NAME[,NAME...]`.
    #[cfg(feature = "break-builds")]
    pub fn parse(list: &str) -> Result<BreakSet, String> {
        let mut set = BreakSet::NONE;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let b = Break::from_name(name)
                .ok_or_else(|| format!("unknown break {name:?} (see `gatecheck-server breaks`)"))?;
            set.bits |= 1u128 << (b as u8);
        }
        Ok(set)
    }

    /// The set with `b` switched on.
    #[cfg(feature = "break-builds")]
    pub fn with(mut self, b: Break) -> BreakSet {
        self.bits |= 1u128 << (b as u8);
        self
    }

    /// The proto-level SCRAM leniencies these breaks ask for.
    #[cfg(feature = "break-builds")]
    pub fn scram_lax(
        self,
        hash: gatecheck_proto::sasl::ScramHash,
        legacy_profile: bool,
    ) -> gatecheck_proto::sasl::scram::ScramLax {
        use gatecheck_proto::sasl::ScramHash;
        gatecheck_proto::sasl::scram::ScramLax {
            accept_m: self.has(Break::R103ReservedMAccepted),
            hex_escapes: self.has(Break::R101EscapeDecodedLeniently),
            skip_nonce_check: self.has(Break::R105NonceNotChecked),
            nonce_client_part_only: self.has(Break::R105NonceClientPartOnly),
            skip_cbind_compare: self.has(Break::R108CbindNotCompared),
            accept_flag_y: self.has(Break::R109FlagYAccepted),
            unknown_cb_uses_first: self.has(Break::R110UnknownCbTypeUsesExporter),
            skip_end_point_data_check: self.has(Break::R111EndPointDataNotChecked),
            any_known_binding: self.has(Break::R111AnyKnownBindingAccepted),
            skip_proof: self.has(Break::R112ProofNotChecked)
                || (self.has(Break::R112ProofNotCheckedLegacy) && legacy_profile)
                || (self.has(Break::R112Sha1ProofNotChecked) && hash == ScramHash::Sha1),
            reject_unknown_extensions: self.has(Break::R114UnknownExtensionRejected),
            skip_saslprep: self.has(Break::R102UsernameNotSaslprepped),
        }
    }
}

/// Element and payload rewrites used at the injection points, kept here so the protocol code
/// stays one `if` long. Reached only when a break is on.
pub mod inject {
    use gatecheck_proto::ns;
    use gatecheck_proto::xml::{Element, Node};
    use sha2::{Digest, Sha256};

    /// Base64 text of `e` and of its `<additional-data/>` child wrapped every 19 characters.
    pub fn wrap_base64(e: &mut Element) {
        fn wrap(el: &mut Element) {
            for n in &mut el.children {
                if let Node::Text(t) = n {
                    let chars: Vec<char> = t.chars().collect();
                    *t = chars
                        .chunks(19)
                        .map(|c| c.iter().collect::<String>())
                        .collect::<Vec<_>>()
                        .join("\n");
                }
            }
        }
        wrap(e);
        for n in &mut e.children {
            if let Node::Element(c) = n
                && c.name == "additional-data"
            {
                wrap(c);
            }
        }
    }

    /// The `<failure/>` condition moved into the wrapper's namespace.
    pub fn condition_in_wrapper_ns(e: &mut Element) {
        let wrapper = e.ns.clone();
        for n in &mut e.children {
            if let Node::Element(c) = n
                && c.ns == ns::SASL
            {
                c.ns = wrapper;
                return;
            }
        }
    }

    /// A second condition (`<temporary-auth-failure/>`) added to a `<failure/>`.
    pub fn second_condition(e: &mut Element) {
        let extra = Element::new("temporary-auth-failure", ns::SASL);
        e.children
            .insert(1.min(e.children.len()), Node::Element(extra));
    }

    /// SCRAM server-final `v=...` with one bit of the signature flipped.
    pub fn flip_server_signature(msg: &mut [u8]) {
        if let Some(c) = msg.get_mut(2) {
            *c = if *c == b'A' { b'B' } else { b'A' };
        }
    }

    /// Whether any text in `el` or its children is longer than `limit` bytes.
    pub fn oversized(el: &Element, limit: usize) -> bool {
        el.text().len() > limit || el.elements().any(|c| c.text().len() > limit)
    }

    /// The SASL2 `<user-agent><software/>` text.
    pub fn software(el: &Element) -> Option<String> {
        let ua = el.child("user-agent", ns::SASL2)?;
        Some(ua.child("software", ns::SASL2)?.text())
    }

    /// The first 8 hex digits of a user-agent id.
    pub fn ua_prefix(id: &str) -> String {
        id.chars().filter(char::is_ascii_hexdigit).take(8).collect()
    }

    /// 16 hex digits of SHA-256 over a user-agent id.
    pub fn ua_hash(id: &str) -> String {
        Sha256::digest(id.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        assert_eq!(Break::ALL.len(), 64 + 18 + 18 + 16);
        assert!(Break::ALL.len() <= 128);
        let mut names: Vec<_> = Break::ALL.iter().map(|b| b.info().name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Break::ALL.len());
        for b in Break::ALL {
            let i = b.info();
            assert_eq!(Break::from_name(i.name), Some(*b));
            let (set, num) = i.requirement.split_once('-').unwrap();
            assert!(
                matches!(set, "SASL2" | "FAST" | "INV" | "PARS" | "IBR" | "DCR"),
                "{}",
                i.name
            );
            // Named after the requirement it violates.
            let prefix = format!("{}-{num}-", set.to_ascii_lowercase());
            assert!(
                i.name.starts_with(&prefix)
                    || i.name.starts_with("sasl2-127-")
                    || matches!(
                        i.name,
                        "dcr-refresh-not-rotated" | "dcr-revoked-token-logs-in"
                    ),
                "{}",
                i.name
            );
        }
        assert!(!BreakSet::default().has(Break::R1OfferedBeforeTls));
    }

    #[cfg(feature = "break-builds")]
    #[test]
    fn parses_lists() {
        let s = BreakSet::parse("sasl2-2-empty-authentication, sasl2-27-no-retry").unwrap();
        assert!(s.has(Break::R2EmptyAuthentication) && s.has(Break::R27NoRetry));
        assert!(!s.has(Break::R1OfferedBeforeTls));
        assert!(BreakSet::parse("nope").is_err());
        assert!(BreakSet::parse("").unwrap().is_empty());
    }
}
