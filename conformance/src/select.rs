//! Case selection with `--only` / `--skip` globs matched against the case id or its module name.

use crate::case::Case;

/// Match `text` against `pattern`, where `*` matches any run of characters (including dots) and every
/// other character matches itself. Iterative, so no input can make it recurse deeply.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if Some(c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// The `--only` and `--skip` patterns.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// If non-empty, a case must match one of these.
    pub only: Vec<String>,
    /// A case matching any of these is left out.
    pub skip: Vec<String>,
}

impl Selection {
    fn hits(pattern: &str, case: &Case) -> bool {
        glob_match(pattern, &case.id) || glob_match(pattern, case.module.as_str())
    }

    /// Whether `case` is selected, or the reason it is not.
    pub fn check(&self, case: &Case) -> Result<(), String> {
        if !self.only.is_empty() && !self.only.iter().any(|p| Self::hits(p, case)) {
            return Err(format!("not matched by --only {}", self.only.join(",")));
        }
        if let Some(p) = self.skip.iter().find(|p| Self::hits(p, case)) {
            return Err(format!("excluded by --skip {p}"));
        }
        Ok(())
    }
}

/// Whether the advisory `security` group takes part in a run: `--security` (`flag`), or an
/// `--only` pattern that matches the module name or a security case id. A plain run leaves it
/// out entirely (not even listed as "not selected"), so its results are unchanged.
pub fn security_selected(flag: bool, only: &[String], cases: &[Case]) -> bool {
    flag || cases
        .iter()
        .filter(|c| c.module.is_advisory())
        .any(|c| only.iter().any(|p| Selection::hits(p, c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Module;

    #[test]
    fn globs() {
        assert!(glob_match("sasl2.*", "sasl2.failure.retry-same-stream"));
        assert!(glob_match("*retry*", "sasl2.failure.retry-same-stream"));
        assert!(glob_match(
            "sasl2.failure.retry-same-stream",
            "sasl2.failure.retry-same-stream"
        ));
        assert!(!glob_match(
            "sasl2.failure",
            "sasl2.failure.retry-same-stream"
        ));
        assert!(!glob_match("fast.*", "sasl2.fast"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        assert!(glob_match("**", "anything"));
    }

    #[test]
    fn selection_by_id_and_module() {
        let a = Case::new("sasl2.failure.retry", Module::Sasl2, "a");
        let b = Case::new("fast.token.rotate", Module::Fast, "b");
        let s = Selection {
            only: vec!["fast".into()],
            skip: vec![],
        };
        assert!(s.check(&a).is_err());
        assert!(s.check(&b).is_ok());
        let s = Selection {
            only: vec![],
            skip: vec!["*.retry".into()],
        };
        assert!(s.check(&a).is_err_and(|r| r.contains("--skip")));
        assert!(s.check(&b).is_ok());
        let s = Selection {
            only: vec!["sasl2.*".into(), "fast.*".into()],
            skip: vec!["fast".into()],
        };
        assert!(s.check(&a).is_ok());
        assert!(s.check(&b).is_err());
    }
}
