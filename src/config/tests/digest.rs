//! `DIGEST_ABOVE`: how many new cards one sync sends a person before the rest come as a digest.

use super::*;

#[test]
fn digests_start_above_five_new_cards_by_default() {
    let s = load(&valid()).unwrap();
    assert_eq!(s.digest_above, 5);
    assert_eq!(s.engine_settings().digest_above, 5);
}

#[test]
fn digest_above_is_read_and_zero_turns_digests_off() {
    let mut vars = valid();
    vars.insert("DIGEST_ABOVE", "12");
    assert_eq!(load(&vars).unwrap().digest_above, 12);
    vars.insert("DIGEST_ABOVE", "0");
    assert_eq!(load(&vars).unwrap().digest_above, 0);
}

#[test]
fn a_digest_threshold_that_is_not_a_whole_number_is_reported() {
    let mut vars = valid();
    vars.insert("DIGEST_ABOVE", "five");
    let err = load(&vars).unwrap_err();
    assert_eq!(variables(&err), ["DIGEST_ABOVE"]);
    assert!(
        err.to_string().contains("a whole number from 0 to 1000"),
        "{err}"
    );
}
