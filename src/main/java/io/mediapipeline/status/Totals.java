package io.mediapipeline.status;

/**
 * The library's totals from the ledger.
 *
 * @param files             media files known
 * @param bytesOriginal     bytes of those originals
 * @param bytesCompressed   bytes of their compressed copies (where one was made)
 * @param bytesSaved        original minus compressed, over the files that have a compressed copy
 * @param deliveredPixel    files confirmed on the phone
 * @param deliveredIcloud   files confirmed in iCloud (compressed copies)
 * @param pending           files not yet verified and not failed
 * @param failed            media files in error
 * @param quarantined       inputs set aside in quarantine
 */
public record Totals(long files, long bytesOriginal, long bytesCompressed, long bytesSaved, long deliveredPixel,
                     long deliveredIcloud, long pending, long failed, long quarantined) {
}
