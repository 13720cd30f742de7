//! Reading Coupa's answers with a size cap, so that a misbehaving server or proxy cannot make the
//! bot buffer an unbounded body.
//!
//! The caps are far above anything Coupa sends: a page of 50 requisitions built from
//! `tests/fixtures/coupa/requisition-pending.json` (two lines, three approvals each) is about
//! 140 KB, and [`MAX_ANSWER_BYTES`] leaves room for pages whose requisitions average some 400
//! lines or large approver groups. A token answer is a few hundred bytes.

/// The largest answer read from Coupa's API: 8 MiB.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// The largest answer read from the token endpoint: 64 KiB.
pub const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection failed or timed out while the body was read.
    Transport(reqwest::Error),
    /// The body is larger than the cap; reading stopped there.
    TooLarge,
}

/// Reads `response`'s body, stopping with [`ReadError::TooLarge`] as soon as it exceeds `limit`
/// bytes (at once when `Content-Length` already says so), never buffering more than that.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ReadError> {
    let announced = response.content_length();
    if announced.is_some_and(|length| length > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let expected = announced.map_or(0, |length| usize::try_from(length).unwrap_or(limit));
    let mut body = Vec::with_capacity(expected.min(limit));
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `bytes` as people say it: `8 MiB`, `64 KiB`, `512 bytes`.
pub fn size_words(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_words(MAX_ANSWER_BYTES), "8 MiB");
        assert_eq!(size_words(MAX_TOKEN_ANSWER_BYTES), "64 KiB");
        assert_eq!(size_words(1_000), "1000 bytes");
    }

    #[test]
    fn a_page_of_fifty_requisitions_with_a_hundred_lines_each_fits_well_under_the_cap() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/coupa/requisition-pending.json"
        ))
        .unwrap();
        let fixture_page = serde_json::to_vec(&vec![fixture.clone(); 50]).unwrap();
        assert!(fixture_page.len() < 200_000, "{}", fixture_page.len());
        let mut large = fixture;
        let line = large["requisition-lines"][0].clone();
        large["requisition-lines"] = serde_json::Value::Array(vec![line; 100]);
        let large_page = serde_json::to_vec(&vec![large; 50]).unwrap();
        assert!(
            large_page.len() * 3 < MAX_ANSWER_BYTES,
            "a page of 50 requisitions of 100 lines is {} bytes",
            large_page.len()
        );
    }
}
