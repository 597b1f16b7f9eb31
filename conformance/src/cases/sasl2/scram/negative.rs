use super::prelude::*;
/// The negative SCRAM cases.
pub fn cases() -> Vec<Case> {
    Vec::new()
}
