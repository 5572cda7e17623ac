from django.contrib import admin

from notifications.models import InboxSetting, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ("recipient", "kind", "application", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(InboxSetting)
class InboxSettingAdmin(admin.ModelAdmin[InboxSetting]):
    list_display = ("user", "daily_digest", "last_digest_at")
