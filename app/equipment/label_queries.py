"""What a label's QR code opens: the items behind /a/<asset code>."""
import re

from sqlalchemy import func, select

from app import params
from app.equipment.models import EquipmentItem
from app.equipment.queries import asset_code_key
from app.extensions import db
from app.units.models import LibraryPoint

# An item without an asset code is labelled /a/id-<its id>.
ID_CODE = re.compile(r"id-(\d{1,18})", re.IGNORECASE)


def label_code(item: EquipmentItem) -> str:
    """What an item's label URL names: its asset code, or id-<id> when it has none."""
    return item.asset_code.strip() or f"id-{item.id}"


def items_with_code(code: str) -> list[EquipmentItem]:
    """Every item, in any province, whose asset code is `code` (trimmed,
    case-insensitive: asset_code_key); when none has it and `code` is
    id-<n>, the item with id n. Codes are unique within a province, not
    across provinces: the caller keeps those the user may see. SQLite's
    lower() folds ASCII only, so a non-ASCII code is narrowed by its length
    and compared in Python."""
    key = asset_code_key(code)
    if not key:
        return []
    trimmed = func.trim(EquipmentItem.asset_code)
    narrow = func.lower(trimmed) == key if key.isascii() else func.length(trimmed) == len(key)
    query = (select(EquipmentItem).join(LibraryPoint, LibraryPoint.id == EquipmentItem.point_id)
             .where(EquipmentItem.asset_code != "", narrow).order_by(EquipmentItem.id))
    items = [item for item in db.session.scalars(query) if asset_code_key(item.asset_code) == key]
    if not items and (match := ID_CODE.fullmatch(key)):
        item_id = params.row_id(match.group(1))
        item = db.session.get(EquipmentItem, item_id) if item_id else None
        items = [item] if item is not None and not item.asset_code.strip() else []
    return items
