resource "proxmox_virtual_environment_vm" "backup" {
  count     = 2
  name      = format("backup-%02d", count.index + 1)
  node_name = local.node
  vm_id     = 300 + count.index
  on_boot   = true

  cpu {
    cores = 2
    type  = "x86-64-v2-AES"
  }

  memory {
    dedicated = 2048
  }

  disk {
    datastore_id = "local-zfs"
    interface    = "virtio0"
    size         = 32
  }
}

provider "proxmox" {
  endpoint = "https://srv02.lan:8006/"
  insecure = true
}

resource "proxmox_virtual_environment_vm" "debian_template" {
  name      = "debian-12-template"
  node_name = local.node
  vm_id     = 9000
  template  = true
}

locals {
  data_disks = {
    scsi0 = { size = 20, datastore = "local-zfs" }
    scsi1 = { size = 500, datastore = "tank-hdd" }
  }
}

resource "proxmox_virtual_environment_vm" "files" {
  name      = "files"
  node_name = local.node
  vm_id     = 310

  dynamic "disk" {
    for_each = local.data_disks
    content {
      interface    = disk.key
      datastore_id = disk.value.datastore
      size         = disk.value.size
    }
  }
}
