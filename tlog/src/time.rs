//! Cosignature timestamps (seconds since the Unix epoch) as calendar dates, for people.

/// The UTC calendar date and time of `seconds` since 1970-01-01:
/// (year, month, day, hour, minute, second), proleptic Gregorian.
pub fn utc_parts(seconds: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (seconds / 86_400) as i64;
    let secs = (seconds % 86_400) as u32;
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm, by 400-year eras).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, secs / 3600, secs / 60 % 60, secs % 60)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(seconds: u64) -> String {
    let (y, mo, d, h, mi, s) = utc_parts(seconds);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_917_600), "2026-11-29T02:00:00Z");
        assert_eq!(utc_parts(4_107_542_399), (2100, 2, 28, 23, 59, 59));
        assert_eq!(utc_parts(4_107_542_400), (2100, 3, 1, 0, 0, 0));
    }
}
