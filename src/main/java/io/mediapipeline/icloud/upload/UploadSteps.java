package io.mediapipeline.icloud.upload;

/**
 * What routes/70-upload-icloud.camel.yaml calls (bean icloudUploader). The parts behind it are made when the stage
 * is configured, after the beans are bound (they need the iCloud accounts' shared lock and budget); a switched-off
 * target has none and does nothing.
 */
public class UploadSteps {

    private volatile Uploader uploader;
    private volatile Prover prover;

    void attach(Uploader uploader, Prover prover) {
        this.uploader = uploader;
        this.prover = prover;
    }

    /** Step pick-icloud-batch: the next batch, or null. */
    public UploadBatch pickBatch() {
        return uploader == null ? null : uploader.pickBatch();
    }

    /** Step upload-to-icloud: one file, or a Live Photo's two halves one after the other. */
    public void upload(UploadBatch.Group group) {
        uploader.upload(group);
    }

    /** Step close-icloud-batch. */
    public void finishBatch(UploadBatch batch) {
        uploader.finishBatch(batch);
    }

    /** Step look-up-uploaded-files (route prove-icloud): returns how many files were decided. */
    public int prove() {
        return prover == null ? 0 : prover.check();
    }
}
