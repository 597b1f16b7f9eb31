pub fn cases() -> Vec<crate::case::Case> {
    Vec::new()
}
