"""Customer (客户): a company or person we sell to, owned by a rep or waiting in a pool (公海)."""

from __future__ import annotations

from lowcode.sdk import Document, get_model


class Customer(Document):
    customer_pool: str | None
    territory: str | None
    in_pool: bool | int | None
    tax_id: str | None

    def validate(self) -> None:
        # The level is a Link: the engine's link validation already refuses an unknown level.
        self.normalise_tax_id()
        self.set_customer_pool()

    def normalise_tax_id(self) -> None:
        """Credit codes are upper case without spaces (GB 32100), so uniqueness is the same on
        every database: MariaDB compares case-insensitively, SQLite does not."""
        if self.tax_id:
            self.tax_id = "".join(self.tax_id.split()).upper()

    def set_customer_pool(self) -> None:
        """Without a pool, a customer belongs to its region's pool, else to the default pool."""
        if not self.customer_pool:
            self.customer_pool = pool_for_territory(self.territory)


def pool_for_territory(territory: str | None) -> str | None:
    """The enabled pool covering ``territory``, else the enabled default pool (None if neither)."""
    pools = get_model("Customer Pool").objects.filter(enabled=1)
    if territory:
        found = pools.filter(territory=territory).order_by("name").values_list("name", flat=True)
        if found:
            return found[0]
    return pools.filter(is_default=1).order_by("name").values_list("name", flat=True).first()
