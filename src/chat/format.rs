//! Money, quantities, times and ages as every chat platform writes them (`USD 7,420.50`, `12`,
//! `2026-11-20 17:20 UTC`, `3 days ago`), so a card says the same figures in Slack and in Teams.
//! Plain text with no markup: each adapter escapes for its own format. Pure.

use jiff::Timestamp;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::Money;

/// Digits after the decimal point for a currency (ISO 4217 minor units).
pub fn minor_units(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// `USD 7,420.50`: the currency code, thousands separators, the currency's minor units.
pub fn money(money: &Money) -> String {
    format!(
        "{} {}",
        money.currency,
        amount(money.amount, minor_units(&money.currency))
    )
}

/// An amount with thousands separators and exactly `scale` decimals.
pub fn amount(value: Decimal, scale: u32) -> String {
    let rounded = value.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
    // Pad the fraction by hand: `format!("{:.3}")` of a 29-digit Decimal overflows
    // rust_decimal's fixed buffer and panics.
    let text = rounded.abs().to_string();
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w.to_owned(), f.to_owned()),
        None => (text, String::new()),
    };
    let fraction = (scale > 0).then(|| format!("{fraction:0<width$}", width = scale as usize));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A quantity without trailing zeros (`12`, `2.5`).
pub fn quantity(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A time in UTC for plain text: `2026-11-20 17:20 UTC`.
pub fn utc(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// How long before `now` `then` was, in its largest whole unit: `just now`, `1 minute ago`,
/// `5 hours ago`, `3 days ago`. A `then` after `now` (clocks that disagree) is `just now`.
pub fn age(then: Timestamp, now: Timestamp) -> String {
    let (count, unit) = match now.as_second().saturating_sub(then.as_second()) {
        seconds if seconds < 60 => return "just now".to_owned(),
        seconds if seconds < 3_600 => (seconds / 60, "minute"),
        seconds if seconds < 86_400 => (seconds / 3_600, "hour"),
        seconds => (seconds / 86_400, "day"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural} ago")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn m(amount: &str, currency: &str) -> Money {
        Money::new(Decimal::from_str(amount).unwrap(), currency)
    }

    #[test]
    fn money_has_separators_and_the_currencys_minor_units() {
        assert_eq!(money(&m("7420.5", "USD")), "USD 7,420.50");
        assert_eq!(money(&m("1234567.891", "EUR")), "EUR 1,234,567.89");
        assert_eq!(money(&m("150000", "JPY")), "JPY 150,000");
        assert_eq!(money(&m("12.3456", "KWD")), "KWD 12.346");
        assert_eq!(money(&m("0", "USD")), "USD 0.00");
        assert_eq!(money(&m("-1000.5", "USD")), "USD -1,000.50");
        assert_eq!(money(&m("999.995", "USD")), "USD 1,000.00");
    }

    #[test]
    fn the_largest_amounts_format_without_panicking() {
        // Found by tests/card_limits.rs: three decimals of Decimal::MAX used to panic.
        assert_eq!(
            money(&Money::new(Decimal::MAX, "KWD")),
            "KWD 79,228,162,514,264,337,593,543,950,335.000"
        );
        assert_eq!(
            money(&Money::new(Decimal::MIN, "USD")),
            "USD -79,228,162,514,264,337,593,543,950,335.00"
        );
    }

    #[test]
    fn an_age_is_said_in_its_largest_whole_unit() {
        let now = Timestamp::from_second(1_763_659_240).unwrap();
        let ago = |seconds: i64| {
            age(
                Timestamp::from_second(1_763_659_240 - seconds).unwrap(),
                now,
            )
        };
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(59), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(40 * 60), "40 minutes ago");
        assert_eq!(ago(3_600), "1 hour ago");
        assert_eq!(ago(29 * 3_600), "1 day ago");
        assert_eq!(ago(3 * 86_400 + 5), "3 days ago");
        assert_eq!(ago(-120), "just now", "a time in the future");
    }

    #[test]
    fn the_most_distant_times_have_an_age_without_panicking() {
        assert!(age(Timestamp::MIN, Timestamp::MAX).ends_with("days ago"));
        assert_eq!(age(Timestamp::MAX, Timestamp::MIN), "just now");
    }
}
