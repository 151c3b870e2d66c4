from django_tasks import task

from enlace.imports.services import process_queued_batch


@task()
def process_import(batch_id: int) -> dict:
    """Validate and apply a large upload queued by `queue_import`."""
    batch = process_queued_batch(batch_id=batch_id)
    return {"status": batch.status if batch else "missing", "rows": batch.rows if batch else 0}
