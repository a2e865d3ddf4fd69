"""Store each item's stock state next to Centra's answer (catalog.stock), so SQL filters and
Python apply the same rule; existing rows are filled from their stock answer."""

from django.db import migrations, models

from catalog.stock import StockState, stock_state


def fill_stock_states(apps, schema_editor) -> None:
    Item = apps.get_model("catalog", "Item")
    by_state: dict[StockState, list[str]] = {state: [] for state in StockState}
    for stock in Item.objects.values_list("stock", flat=True).distinct():
        by_state[stock_state(stock)].append(stock)
    for state, stocks in by_state.items():
        Item.objects.filter(stock__in=stocks).update(stock_state=state.value)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="item",
            name="stock_state",
            field=models.CharField(
                choices=[
                    ("in_stock", "in_stock"),
                    ("few", "few"),
                    ("preorder", "preorder"),
                    ("out_of_stock", "out_of_stock"),
                ],
                default="out_of_stock",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_stock_states, migrations.RunPython.noop),
    ]
