//! XEP-0077 registration payloads as the reference server's register module reads them: the
//! legacy `<username/>`/`<password/>` fields and XEP-0004 submitted forms.
//! Oracles: no panic; a form's values have unique names, at most one per field; rebuilding the
//! form from its values and re-serialising re-parses to the same values; when a form is present
//! the username and password come from it (XEP-0077 §6), otherwise from the legacy children.
#![no_main]

use gatecheck_proto::ns;
use gatecheck_proto::xml::{Element, Limits, parse_element};
use gatecheck_server::modules::dataform;
use gatecheck_server::modules::register;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(q) = parse_element(data, &Limits::default()) else {
        return;
    };
    let form = q.child("x", ns::DATA_FORMS);
    let fields = register::fields(&q);
    if let Some(x) = form {
        let values = dataform::values(x);
        assert_eq!(
            fields.is_ok(),
            values.is_ok(),
            "the module and the form reader disagree"
        );
        if let (Ok(fields), Ok(values)) = (&fields, &values) {
            assert_eq!(
                fields.username.as_deref(),
                dataform::get(values, "username")
            );
            assert_eq!(
                fields.password.as_deref(),
                dataform::get(values, "password")
            );
            for (i, (k, _)) in values.iter().enumerate() {
                assert!(values[..i].iter().all(|(j, _)| j != k), "field {k} twice");
            }
            // Round trip through the builders the server uses for its own forms.
            let mut rebuilt = Element::new("x", ns::DATA_FORMS).with_attr("type", "submit");
            for (k, v) in values {
                rebuilt = rebuilt.with_child(dataform::field(k, "text-single", Some(v)));
            }
            let again =
                parse_element(rebuilt.to_xml(), &Limits::default()).expect("own form parses");
            assert_eq!(dataform::values(&again).as_ref(), Ok(values));
        }
    } else if let Ok(fields) = &fields {
        let legacy = |name: &str| q.child(name, ns::REGISTER).map(|e| e.text());
        assert_eq!(fields.username, legacy("username"));
        assert_eq!(fields.password, legacy("password"));
    }
    if let Ok(fields) = &fields {
        assert_eq!(fields.remove, q.child("remove", ns::REGISTER).is_some());
        let removes = q.children_named("remove", ns::REGISTER).count();
        assert_eq!(fields.others, q.elements().count() - removes);
    }
});
