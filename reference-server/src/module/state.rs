//! Per-stream module state: what a module must remember about one stream between two hooks (the
//! invite a `<preauth/>` validated, the ad-hoc command sessions a stream has open), without a
//! field in the session for each module. One value per type; a module keys its state by a type
//! of its own, so modules cannot read each other's state by accident. The session owns one
//! [`StreamState`] per connection and lends it through [`super::ModuleContext::state`]; it lives
//! as long as the connection (stream restarts keep it).

use std::any::{Any, TypeId};
use std::collections::HashMap;

/// Typed per-stream slots (see the module documentation).
#[derive(Default)]
pub struct StreamState {
    slots: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl StreamState {
    /// The value of type `T`, if one was stored.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.slots.get(&TypeId::of::<T>())?.downcast_ref()
    }

    /// The value of type `T` for changing it in place.
    pub fn get_mut<T: Any + Send + Sync>(&mut self) -> Option<&mut T> {
        self.slots.get_mut(&TypeId::of::<T>())?.downcast_mut()
    }

    /// The value of type `T`, stored first as `T::default()` if absent.
    pub fn entry<T: Any + Send + Sync + Default>(&mut self) -> &mut T {
        let slot = self
            .slots
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()));
        if !slot.is::<T>() {
            *slot = Box::new(T::default());
        }
        // The slot holds a `T`: it was keyed by `T`'s TypeId and replaced above otherwise.
        slot.downcast_mut().unwrap_or_else(|| unreachable!())
    }

    /// Stores `value`, replacing any earlier value of its type.
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) {
        self.slots.insert(TypeId::of::<T>(), Box::new(value));
    }

    /// Removes and returns the value of type `T`.
    pub fn remove<T: Any + Send + Sync>(&mut self) -> Option<T> {
        let b = self.slots.remove(&TypeId::of::<T>())?;
        if self.slots.is_empty() {
            // Give the table's memory back: an idle stream whose slots were all used and removed
            // (the failure-budget guard during authentication) costs nothing afterwards.
            self.slots = HashMap::new();
        }
        b.downcast().ok().map(|b| *b)
    }
}

impl std::fmt::Debug for StreamState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamState")
            .field("slots", &self.slots.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct A(u32);
    #[derive(Debug, Default, PartialEq)]
    struct B(&'static str);

    #[test]
    fn one_value_per_type() {
        let mut s = StreamState::default();
        assert!(s.get::<A>().is_none());
        s.insert(A(1));
        s.insert(B("x"));
        s.entry::<A>().0 += 1;
        assert_eq!(s.get::<A>(), Some(&A(2)));
        assert_eq!(s.remove::<B>(), Some(B("x")));
        assert!(s.get::<B>().is_none());
        assert_eq!(s.entry::<B>(), &mut B(""));
    }
}
